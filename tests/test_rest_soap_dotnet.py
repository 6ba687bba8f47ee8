"""C# clients, as the public ones are built, against the emulator (Mono; skipped cleanly where
``mono``, ``mcs``, ``wsdl`` or ``svcutil`` is missing: ``apt-get install mono-devel``).

* Daftari's kind: an old-style .NET web reference (``wsdl.exe`` from the served WSDL, a
  ``SoapHttpClientProtocol`` with ``int PushMessage(string, string, string, int, DateTime,
  string[], int)``), over SOAP 1.1 and, with ``SoapVersion = Soap12``, over SOAP 1.2.
* Takamul's kind: a WCF client (``svcutil`` from the served WSDL, ``BulkSMSSoapClient`` with an
  ``ArrayOfString``), over ``BasicHttpBinding`` (SOAP 1.1) and a SOAP 1.2 text binding. Mono's
  svcutil writes the operation's ``Action`` and ``ReplyAction`` the wrong way round (``Action =
  "*"``); Visual Studio's Reference.cs, as saved in Takamul, has ``Action =
  "http://tempuri.org/PushMessage", ReplyAction = "*"``, so the test puts them as Visual Studio
  does.
* PCVMS's kind: ``HttpWebRequest`` posting hand-built single-quoted JSON to PostSMS.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread

TOOLS = ("mono", "mcs", "wsdl", "svcutil")
pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in TOOLS),
        reason="Mono (mono, mcs, wsdl, svcutil) is not installed: apt-get install mono-devel",
    ),
]
ASMX = "/iBulkSMS/webservice/IBulkSMS.asmx"
USER = PASSWORD = "ismartsms"
NUMBER = "96899123456"

WEB_REFERENCE_MAIN = """
using System;
using System.Web.Services.Protocols;
class Daftari {
    static int Main(string[] args) {
        var service = new IBulkSMS();
        service.Url = args[0];
        if (args[4] == "12") service.SoapVersion = SoapProtocolVersion.Soap12;
        Console.Write(service.PushMessage(args[1], args[2], "from a web reference", 0,
            DateTime.Now, new string[] { args[3] }, 1));
        return 0;
    }
}
"""
WCF_MAIN = """
using System;
using System.ServiceModel;
using System.ServiceModel.Channels;
class Takamul {
    static int Main(string[] args) {
        Binding binding = args[4] == "12"
            ? (Binding) new CustomBinding(
                new TextMessageEncodingBindingElement(
                    MessageVersion.Soap12, System.Text.Encoding.UTF8),
                new HttpTransportBindingElement())
            : new BasicHttpBinding();
        var client = new BulkSMSSoapClient(binding, new EndpointAddress(args[0]));
        var recipients = new tempuri.org.ArrayOfString();
        recipients.Add(args[3]);
        Console.Write(client.PushMessage(args[1], args[2], "from WCF", 64, DateTime.Now,
            recipients, 1));
        return 0;
    }
}
"""
PCVMS_MAIN = """
using System;
using System.IO;
using System.Net;
class Pcvms {
    static int Main(string[] args) {
        string myData = @"{'UserID': '" + args[1] + "','Password': '" + args[2]
            + "','Message' : 'from PCVMS','Language': '0','ScheddateTime': '01/22/2017 00:00:00',"
            + "'MobileNo' : [" + args[3] + "],'RecipientType': '1'}";
        var request = (HttpWebRequest) WebRequest.Create(args[0]);
        request.ContentType = "application/json";
        request.Method = "POST";
        using (var writer = new StreamWriter(request.GetRequestStream())) { writer.Write(myData); }
        var response = (HttpWebResponse) request.GetResponse();
        using (var reader = new StreamReader(response.GetResponseStream())) {
            Console.Write((int) response.StatusCode + " " + reader.ReadToEnd());
        }
        return 0;
    }
}
"""


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(Config(seed=0))) as running:
        yield running


@pytest.fixture(scope="module")
def programs(server: ServerThread, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three clients, generated from the served WSDL where they are, and compiled."""
    work = tmp_path_factory.mktemp("dotnet")
    wsdl_url = server.url + ASMX + "?WSDL"
    run("wsdl", "-nologo", "-out:IBulkSMS.cs", wsdl_url, cwd=work)
    (work / "Daftari.cs").write_text(WEB_REFERENCE_MAIN)
    run("mcs", "-nologo", "-r:System.Web.Services", "-out:daftari.exe", "IBulkSMS.cs",
        "Daftari.cs", cwd=work)  # fmt: skip
    run("svcutil", "-nologo", "-out:BulkSMS.cs", wsdl_url, cwd=work)
    generated = (work / "BulkSMS.cs").read_text()
    as_visual_studio = generated.replace(
        'Action="*", ReplyAction="http://tempuri.org/PushMessage"',
        'Action="http://tempuri.org/PushMessage", ReplyAction="*"',
    )
    (work / "BulkSMS.cs").write_text(as_visual_studio)
    (work / "Takamul.cs").write_text(WCF_MAIN)
    run("mcs", "-nologo", "-r:System.ServiceModel", "-r:System.Runtime.Serialization",
        "-out:takamul.exe", "BulkSMS.cs", "Takamul.cs", cwd=work)  # fmt: skip
    (work / "Pcvms.cs").write_text(PCVMS_MAIN)
    run("mcs", "-nologo", "-out:pcvms.exe", "Pcvms.cs", cwd=work)
    return work


def last_reason(server: ServerThread) -> str:
    entries = requests.get(server.url + "/_mock/api/requests?limit=1", timeout=10).json()
    return str(entries[0]["reason"])


@pytest.mark.parametrize("version", ["11", "12"])
def test_an_old_style_web_reference(server: ServerThread, programs: Path, version: str) -> None:
    out = run("mono", "daftari.exe", server.url + ASMX, USER, PASSWORD, NUMBER, version,
              cwd=programs)  # fmt: skip
    assert out == "1"
    assert f"SOAP {version[0]}.{version[1]}" in last_reason(server)
    out = run("mono", "daftari.exe", server.url + ASMX, USER, "wrong", NUMBER, version,
              cwd=programs)  # fmt: skip
    assert out == "3"


@pytest.mark.parametrize("version", ["11", "12"])
def test_a_wcf_client(server: ServerThread, programs: Path, version: str) -> None:
    out = run("mono", "takamul.exe", server.url + ASMX, USER, PASSWORD, NUMBER, version,
              cwd=programs)  # fmt: skip
    assert out == "1"
    assert f"SOAP {version[0]}.{version[1]}" in last_reason(server)


def test_a_hand_built_single_quoted_json_client(server: ServerThread, programs: Path) -> None:
    out = run("mono", "pcvms.exe", server.url + "/RestApi/api/SMS/PostSMS", USER, PASSWORD,
              NUMBER, cwd=programs)  # fmt: skip
    assert out == '201 {"Code":1,"Message":"Message Pushed"}'
