import numpy as np
import pytest

from benchmarks import search_halving
from benchmarks.search_halving import cost_curve
from benchmarks.search_sim import SimConfig


def test_cost_curve_counts_a_label_once_its_whole_cost_is_spent():
    y = np.arange(10.0)  # pool labels 0..9: percentile of b = share strictly below b
    # three low labels at 0.4 each (1.2), a full label 5 (2.2), a full label 2 (3.2)
    events = [(0.4, None)] * 3 + [(1.0, 5.0), (1.0, 2.0)]
    curve = cost_curve(events, y, 4)
    assert curve[2:] == [0.5, 0.2]  # the label done at 2.2 counts from cost 3 on
    assert np.isnan(curve[:2]).all()  # costs 1 and 2: no full label finished yet
    # plain search: one full label per unit of cost
    assert cost_curve([(1.0, 3.0), (1.0, 1.0)], y, 3) == [0.3, 0.1, 0.1]


def test_flags_share_the_simulated_search_prior_defaults_and_check_eta(capsys):
    cfg = search_halving.build_parser().parse(["--methods", "random,gp", "--eta", "4"])
    assert (cfg.methods, cfg.eta, cfg.seeds, cfg.batch) == ("random,gp", 4, 10, 5)
    assert (cfg.prior_epochs, cfg.prior_width) == (SimConfig.prior_epochs, SimConfig.prior_width)
    for argv in (["--eta", "1"], ["--methods", "random,bogus"]):
        with pytest.raises(SystemExit) as err:
            search_halving.main(argv)
        assert err.value.code == 2
    assert "bad --methods ['bogus']" in capsys.readouterr().err
