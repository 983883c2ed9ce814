"""Demo data for LinkMall: a believable mall in 杭州, created through the real services."""
