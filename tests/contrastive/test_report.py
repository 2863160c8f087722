"""The verdict lines of a report."""

from __future__ import annotations

from contrastive.report import SEARCH_MORE, verdict_lines


def test_verdict_lines_compare_on_label_and_test_and_flag_untrained():
    rec = {"status": "ok", "knn_val_mse": 0.8, "knn_test_mse": 0.5, "untrained_knn_val_mse": 0.7}
    others = [
        ("the trained ts2vec preset", {"knn_val_mse": 1.0, "knn_test_mse": 0.4}),
        ("raw lags 48", {"knn_val_mse": 0.9, "knn_test_mse": 1.0}),
        ("raw lags 336", {"knn_val_mse": 0.6, "knn_test_mse": 0.5}),
    ]
    lines = verdict_lines("the kept arch (rank 2)", rec, others, "knn_val_mse")
    assert lines == [
        "verdict: the kept arch (rank 2), knn_val_mse 0.8000 (val) / 0.5000 (knn_test_mse):",
        "  vs the trained ts2vec preset: 20% better on the label, 25% worse on test",
        "  vs the best raw-lag reference (raw lags 336): 33% worse on the label, "
        "even (within 0.5%) on test",
        "  note: the kept arch (rank 2) scores 0.7000 untrained, better than trained (0.8000): "
        "training did not help its label here",
        "  next: raw lags forecast better here (as on most bundled tasks): for forecasting, start "
        "from raw lags; to keep searching, " + SEARCH_MORE,
    ]
    failed = verdict_lines("x", {"status": "failed", "error": "boom"}, others, "knn_val_mse")
    assert failed == ["verdict: x failed to train (boom); nothing to compare"]
