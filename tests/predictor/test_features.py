import numpy as np
import pytest

from archgraph.generic import load_space
from predictor.features import arch_features, flat_features, max_nodes

SPEC = {"name": "t", "nodes": 3, "ops": {"a": {"k": [1, 2, 3]}, "b": {}}}


def test_flat_features_shape_and_determinism():
    space = load_space(SPEC)
    archs = space.sample(40, seed=1)
    x = flat_features(space, archs)
    f, m = space.feature_dim, 1 + 3 + 1  # input, 3 op nodes, output
    assert x.shape == (40, m * f + f + 2 * m)
    np.testing.assert_array_equal(x, flat_features(space, archs))
    # Each row is a faithful description: distinct archs give distinct rows.
    hashes = {space.arch_hash(a) for a in archs}
    assert len({r.tobytes() for r in x}) == len(hashes)
    # Padding to a wider max_nodes keeps the same values in the leading columns.
    wide = flat_features(space, archs[:3], max_nodes=7)
    assert wide.shape[1] == 7 * f + f + 14
    with pytest.raises(ValueError, match="max_nodes"):
        flat_features(space, archs[:3], max_nodes=2)


def test_flat_features_truncate_keeps_the_bag_of_larger_archs():
    space = load_space(SPEC)
    archs = space.sample(10, seed=2)
    full = flat_features(space, archs)
    f, m = space.feature_dim, max_nodes(space, archs)
    cut = flat_features(space, archs, max_nodes=m - 1, truncate=True)
    assert cut.shape == (10, (m - 1) * f + f + 2 * (m - 1))
    np.testing.assert_array_equal(cut[:, : (m - 1) * f], full[:, : (m - 1) * f])
    np.testing.assert_array_equal(cut[:, (m - 1) * f : m * f], full[:, m * f : m * f + f])


def test_arch_features_nbgraph_is_one_hot_beside_structure():
    from archgraph.nbgraph import NBGRAPH_SPACE

    a = {"link": [0, 1, 2, 3], "ops": ["gcn", "gcn", "sage", "skip"]}
    row = arch_features(NBGRAPH_SPACE, [a])
    assert row.shape == (1, 110)
    assert row[0, :45].sum() == 5  # 4 slots + 1 link pattern
    assert arch_features(NBGRAPH_SPACE, []).shape == (0, 110)
