"""The platform operator's console of the 2+1 engine, under /ops/referral/."""

from django.urls import path

from linkmall.referral.pages import operator_graph, operator_views

urlpatterns = [
    path("", operator_views.home, name="ops_home"),
    path("plans/new/", operator_views.plan_new, name="ops_plan_new"),
    path("plans/<int:plan_id>/", operator_views.plan_detail, name="ops_plan"),
    path("plans/<int:plan_id>/acknowledge/", operator_views.plan_acknowledge, name="ops_plan_acknowledge"),
    path("plans/<int:plan_id>/go-live/", operator_views.plan_go_live, name="ops_plan_go_live"),
    path("kill-switch/", operator_views.kill_switch, name="ops_kill_switch"),
    path("tree/", operator_graph.tree, name="ops_tree"),
    path("tree/<int:user_id>/<slug:relation>/", operator_graph.tree_children, name="ops_tree_children"),
    path("rewards/", operator_graph.rewards, name="ops_rewards"),
    path("rewards.csv", operator_graph.rewards_csv, name="ops_rewards_csv"),
]
