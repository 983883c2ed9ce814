"""Social influence: PageRank on a merchant's share graph, credit flowing to the sharers.

A share edge says "sharer brought recipient". Reversed (recipient → sharer), a random walk
from anyone drifts towards the people who bring others — and to the people who brought the
people who bring others, which counting direct shares misses. Damping 0.85; the teleport
(personalisation) vector is uniform unless given, and dangling mass teleports the same way.
"""

import numpy as np
from django.db import connection
from scipy import sparse

from linkmall.customers.models import ShareEdge, Visitor

DAMPING = 0.85


def pagerank(sources: np.ndarray, targets: np.ndarray, n: int, *, personalisation: np.ndarray | None = None,
             damping: float = DAMPING, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """Stationary rank of nodes 0..n-1 over edges sources[i] → targets[i] (duplicates count once)."""
    if n == 0:
        return np.zeros(0)
    v = np.full(n, 1.0 / n) if personalisation is None else personalisation / personalisation.sum()
    adjacency = sparse.coo_matrix((np.ones(len(sources)), (sources, targets)), shape=(n, n)).tocsr()
    adjacency.data[:] = 1.0  # a repeated edge is one edge
    out_degree = np.asarray(adjacency.sum(axis=1)).ravel()
    dangling = out_degree == 0
    inverse = np.divide(1.0, out_degree, out=np.zeros(n), where=~dangling)
    transition = (sparse.diags(inverse) @ adjacency).T.tocsr()  # column-stochastic on non-dangling nodes
    rank = v.copy()
    for _ in range(max_iter):
        new = damping * (transition @ rank + rank[dangling].sum() * v) + (1 - damping) * v
        if np.abs(new - rank).sum() < tol:
            return new
        rank = new
    return rank


def influence_by_user(merchant_id: int, user_ids: np.ndarray) -> np.ndarray:
    """Summed PageRank of each customer's visitors that shared at least once (0 for the others),
    aligned with the ascending `user_ids`."""
    edges_table, visitors_table = ShareEdge._meta.db_table, Visitor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sharer_id, recipient_id FROM {edges_table} WHERE merchant_id = %s", [merchant_id])
        edges = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    result = np.zeros(len(user_ids))
    if not len(edges):
        return result
    nodes, index = np.unique(edges.ravel(), return_inverse=True)
    index = index.reshape(-1, 2)
    rank = pagerank(index[:, 1], index[:, 0], len(nodes))  # reversed: recipient → sharer
    sharers = np.unique(index[:, 0])
    with connection.cursor() as cursor:
        owners = []
        ids = nodes[sharers].tolist()
        for lo in range(0, len(ids), 5000):
            chunk = ids[lo:lo + 5000]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT id, user_id FROM {visitors_table} WHERE user_id IS NOT NULL AND id IN ({marks})",
                           chunk)
            owners.extend(cursor.fetchall())
    if not owners:
        return result
    owned = np.array(owners, dtype=np.int64)
    rank_of_visitor = rank[np.searchsorted(nodes, owned[:, 0])]
    position = np.searchsorted(user_ids, owned[:, 1])
    known = (position < len(user_ids)) & (user_ids[np.minimum(position, len(user_ids) - 1)] == owned[:, 1])
    np.add.at(result, position[known], rank_of_visitor[known])
    return result
