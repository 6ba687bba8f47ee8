"""``ismart-mock --tls``: HTTPS on loopback, trusted through the CA file it writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.conftest import SAMPLE
from tests.processes import running

pytestmark = pytest.mark.subprocess


def test_https_with_the_written_ca_and_the_ca_is_kept_across_restarts(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    ca = tls_dir / "ca.pem"
    with running("--tls", "--tls-dir", str(tls_dir), scheme="https", verify=str(ca)) as mock:
        assert ca.exists()
        answer = requests.post(mock.send_url, data=SAMPLE, timeout=10, verify=str(ca))
        with pytest.raises(requests.exceptions.SSLError):
            requests.post(mock.send_url, data=SAMPLE, timeout=10)  # not trusted by default
        output = mock.stop()
    assert answer.text == "1"
    assert str(ca.resolve()) in output and "https://127.0.0.1" in output
    first_ca = ca.read_bytes()
    with running("--tls", "--tls-dir", str(tls_dir), scheme="https", verify=str(ca)) as mock:
        assert requests.post(mock.send_url, data=SAMPLE, timeout=10, verify=str(ca)).text == "1"
    assert ca.read_bytes() == first_ca
    assert (tls_dir / "ca.key").stat().st_mode & 0o077 == 0  # the CA key is private
