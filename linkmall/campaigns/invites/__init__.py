"""Tiered invite rewards (阶梯邀请奖励): campaigns, their tiers, invite credits and prizes.

docs/specs/campaigns.md "Invite tiers and gifts". The campaigns app cannot read orders or the
invite graph; `linkmall.referral.invites` feeds it plain facts when an order settles or is
refunded, runs the compliance review before activation, and turns gift prizes into orders.
"""
