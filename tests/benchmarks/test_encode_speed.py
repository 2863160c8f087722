import json

from benchmarks.encode_speed import main


def test_encode_speed_writes_json_and_table(tmp_path):
    assert main(["--n", "40", "--repeats", "2", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "encode_speed.json").read_text())
    assert doc["config"]["n"] == 40 and len(doc["all_seconds"]["sample"]) == 2
    assert doc["archs_per_s"] > 0 and "loadavg_1m" in doc["machine"]
    table = (tmp_path / "encode_speed.md").read_text()
    assert "python -m benchmarks.encode_speed --n 40 --repeats 2" in table
    assert "sample + encode + collate" in table
