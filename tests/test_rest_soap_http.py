"""The REST and SOAP endpoints over real HTTP, with real clients: zeep building its client from
the served WSDL (SOAP 1.1 and 1.2), requests for REST, raw HTTP for the odd shapes, PHP's
SoapClient in WSDL mode where php-soap is installed. Both endpoints decide with the form API's
core, so the tests check the shared effects too: credit, journal, store, metrics, rules."""

from __future__ import annotations

import html
import http.client
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import zeep
import zeep.exceptions

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping
from ismart_sms_kit.mock_server.server import ServerThread

REST = "/RestApi/api/SMS/PostSMS"
ASMX = "/iBulkSMS/webservice/IBulkSMS.asmx"
ACTION = "http://tempuri.org/PushMessage"
USER, PASSWORD = "acme", "s3cret"
NUMBER = "96891234567"
ACCOUNTS = [
    {"user_id": USER, "password": PASSWORD, "headers": ["ACME"], "credit": 1000},
    {"user_id": "noweb", "password": "pw", "headers": ["NW"], "web_service": False},
]


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    config = apply_mapping(Config(seed=0), {"accounts": ACCOUNTS}, "test")
    if request.param == "sqlite":
        config.state = f"sqlite:{tmp_path_factory.mktemp('state') / 'state.sqlite'}"
    with ServerThread(create_app(config)) as running:
        yield running


@pytest.fixture
def url(server: ServerThread) -> str:
    requests.post(server.url + "/_mock/api/reset", timeout=10).raise_for_status()
    return server.url


def last_request(url: str) -> dict:
    return requests.get(url + "/_mock/api/requests", timeout=10).json()[0]


def messages(url: str) -> list[dict]:
    return requests.get(url + "/_mock/api/messages", timeout=10).json()


def credit(url: str, user: str = USER) -> int:
    return requests.get(f"{url}/_mock/api/accounts/{user}", timeout=10).json()["credit"]


def raw(url: str, method: str, path: str, body: bytes, headers: dict[str, str]):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def rest_fields(**overrides: object) -> dict:
    fields = {
        "UserID": USER,
        "Password": PASSWORD,
        "Message": "hello",
        "Language": "0",
        "MobileNo": [NUMBER],
        "RecipientType": "1",
        "ScheddateTime": "01/22/2017 00:00:00",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


# --- REST ------------------------------------------------------------------------------------


def test_rest_send_with_requests(url: str) -> None:
    before = credit(url)
    response = requests.post(url + REST, json=rest_fields(), timeout=10)
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"Code": 1, "Message": "Message Pushed"}
    assert credit(url) == before - 1
    [message] = messages(url)
    assert (message["to"], message["text"], message["header"]) == (NUMBER, "hello", "ACME")
    assert message["header_defaulted"] is True  # REST has no sender field: the default sender
    entry = last_request(url)
    assert entry["endpoint"] == "PostSMS"
    assert entry["params"]["Password"] == "***"
    assert entry["params"]["MobileNo"] == NUMBER
    assert PASSWORD not in json.dumps(entry)


def test_rest_errors_carry_the_code_and_the_message(url: str) -> None:
    response = requests.post(url + REST, json=rest_fields(Password="wrong"), timeout=10)
    assert (response.status_code, response.json()["Code"]) == (201, 3)
    assert response.json()["Message"] == "User or Password is wrong."
    assert last_request(url)["reason"].startswith("wrong password")


def test_rest_magic_numbers_and_flash(url: str) -> None:
    response = requests.post(url + REST, json=rest_fields(MobileNo=["96800000023"]), timeout=10)
    assert response.json()["Code"] == 23
    response = requests.post(url + REST, json=rest_fields(RecipientType="9"), timeout=10)
    assert response.json()["Code"] == 1
    assert messages(url)[0]["flash"] is True


@pytest.mark.parametrize("nn", [17, 19, 22, 24, 25])
def test_rest_and_soap_magic_numbers_answer_no_code_those_interfaces_cannot(
    url: str, nn: int
) -> None:
    """No Header, no FLashSMS, 9 for too many numbers, 18 for the web service, no source of
    25 (docs/rest-soap.md): the magic number is a plain number there, and is sent."""
    number = f"968000000{nn:02d}"
    response = requests.post(url + REST, json=rest_fields(MobileNo=[number]), timeout=10)
    assert response.json()["Code"] == 1
    assert push(zeep.Client(url + ASMX + "?WSDL").service, Recipients={"string": [number]}) == 1
    assert [m["to"] for m in messages(url)][-2:] == [number, number]


def test_rest_account_not_enabled_for_the_web_service_answers_18(url: str) -> None:
    response = requests.post(
        url + REST, json=rest_fields(UserID="noweb", Password="pw"), timeout=10
    )
    assert response.json()["Code"] == 18
    assert last_request(url)["decided_by"] == "web_service"


def test_rest_single_quoted_json_as_pcvms_writes_it(url: str) -> None:
    body = (
        f"{{'UserID': '{USER}','Password': '{PASSWORD}','Message' : 'hi','Language': '0',"
        f"'ScheddateTime': '01/22/2017 00:00:00','MobileNo' : [{NUMBER}],'RecipientType': '1'}}"
    ).encode()
    status, _, answer = raw(url, "POST", REST, body, {"Content-Type": "application/json"})
    assert (status, json.loads(answer)["Code"]) == (201, 1)


def test_rest_comma_string_mobile_and_date_only_schedule(url: str) -> None:
    fields = rest_fields(MobileNo=f"{NUMBER},96891234568", ScheddateTime="12/31/2099")
    status, _, answer = raw(
        url, "POST", REST, json.dumps(fields).encode(), {"Content-Type": "application/json"}
    )
    assert (status, json.loads(answer)["Code"]) == (201, 1)
    sent = messages(url)
    assert sorted(m["to"] for m in sent) == [NUMBER, "96891234568"]
    assert {m["push_at"] for m in sent} == {"2099-12-30T20:00:00+00:00"}  # Muscat midnight


def test_rest_form_body_as_phpawcom_sends_it(url: str) -> None:
    data = {k: v for k, v in rest_fields(MobileNo=NUMBER, ScheddateTime=None).items()}
    response = requests.post(url + REST, data=data, timeout=10)
    assert (response.status_code, response.json()["Code"]) == (201, 1)


def test_rest_unreadable_and_refused_bodies(url: str) -> None:
    status, _, answer = raw(url, "POST", REST, b"{not json", {"Content-Type": "application/json"})
    assert (status, json.loads(answer)["Code"]) == (201, 15)
    status, _, answer = raw(url, "POST", REST, b"x", {"Content-Type": "text/plain"})
    assert status == 415
    assert "media type 'text/plain'" in json.loads(answer)["Message"]


# --- SOAP ------------------------------------------------------------------------------------


@pytest.fixture
def zeep_client(url: str) -> zeep.Client:
    return zeep.Client(url + ASMX + "?WSDL")


def push(service, **overrides: object) -> int:
    fields = {
        "UserID": USER,
        "Password": PASSWORD,
        "Message": "hello",
        "Language": 0,
        "ScheddateTime": "2017-01-22T10:00:00",
        "Recipients": {"string": [NUMBER]},
        "RecipientType": 1,
    }
    fields.update(overrides)
    return int(service.PushMessage(**fields))


def test_the_wsdl_points_zeep_back_at_the_emulator(url: str, zeep_client: zeep.Client) -> None:
    ports = zeep_client.wsdl.services["IBulkSMS"].ports
    assert {p.binding_options["address"] for p in ports.values()} == {url + ASMX}


def test_zeep_pushes_over_soap_11(url: str, zeep_client: zeep.Client) -> None:
    assert push(zeep_client.service) == 1
    entry = last_request(url)
    assert entry["endpoint"] == "IBulkSMS"
    assert "SOAP 1.1" in entry["reason"]
    assert entry["params"]["Recipients"] == NUMBER
    assert entry["params"]["Password"] == "***"
    assert messages(url)[0]["header"] == "ACME"


def test_zeep_pushes_over_soap_12(url: str, zeep_client: zeep.Client) -> None:
    service = zeep_client.bind("IBulkSMS", "IBulkSMSSoap12")
    assert push(service, Password="wrong") == 3
    assert push(service, RecipientType=9, Language=64, Message="مرحبا") == 1
    assert "SOAP 1.2" in last_request(url)["reason"]
    assert messages(url)[0]["flash"] is True


def test_soap_no_recipients_answers_8_and_18_for_web_service(zeep_client: zeep.Client) -> None:
    assert push(zeep_client.service, Recipients=None) == 8
    assert push(zeep_client.service, UserID="noweb", Password="pw") == 18


def envelope(inner: str, env: str = "http://schemas.xmlsoap.org/soap/envelope/") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env}"><soap:Body>'
        f"{inner}</soap:Body></soap:Envelope>"
    ).encode()


def push_xml(
    schedule: str = "2017-01-22T10:00:00", recipients: str = f"<string>{NUMBER}</string>"
) -> str:
    return (
        f'<PushMessage xmlns="http://tempuri.org/"><UserID>{USER}</UserID>'
        f"<Password>{PASSWORD}</Password><Message>hi</Message><Language>0</Language>"
        f"<ScheddateTime>{schedule}</ScheddateTime><Recipients>{recipients}</Recipients>"
        "<RecipientType>1</RecipientType></PushMessage>"
    )


SOAP11 = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}"'}


def soap_fault(url: str, body: bytes, headers: dict[str, str] = SOAP11) -> tuple[str, str]:
    status, content_type, answer = raw(url, "POST", ASMX, body, headers)
    assert status == 500
    assert content_type.startswith("text/xml")
    text = answer.decode()
    code = text.split("<faultcode>")[1].split("</faultcode>")[0]
    reason = text.split("<faultstring>")[1].split("</faultstring>")[0]
    return code, reason


def test_soap_date_only_schedule_is_midnight(url: str) -> None:
    status, _, answer = raw(url, "POST", ASMX, envelope(push_xml("2099-12-31")), SOAP11)
    assert status == 200
    assert b"<PushMessageResult>1</PushMessageResult>" in answer
    assert messages(url)[0]["push_at"] == "2099-12-30T20:00:00+00:00"


def test_soap_faults_as_asmx_gives_them(url: str) -> None:
    code, reason = soap_fault(url, b"<soap:Envelope><oops")
    assert code == "soap:Client"
    assert reason.startswith("Server was unable to read request.")
    code, reason = soap_fault(
        url, envelope(push_xml()), {**SOAP11, "SOAPAction": '"http://tempuri.org/Other"'}
    )
    assert reason == (
        "Server did not recognize the value of HTTP Header SOAPAction: http://tempuri.org/Other."
    )
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    assert soap_fault(url, envelope(push_xml()), headers)[1].startswith("Unable to handle request")
    missing_namespace = envelope(push_xml().replace(' xmlns="http://tempuri.org/"', ""))
    assert soap_fault(url, missing_namespace)[1].endswith(
        "&lt;PushMessage xmlns=''&gt; was not expected."
    )
    not_a_date = envelope(push_xml("01/22/2017"))
    assert "is not a valid AllXsd value" in soap_fault(url, not_a_date)[1]
    entry = last_request(url)
    assert (entry["code"], entry["http_status"]) == (None, 500)
    assert entry["reason"].startswith("SOAP fault")


def test_soap_12_fault_shape_and_routing_by_the_body_element(url: str) -> None:
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    body = envelope(push_xml(), "http://www.w3.org/2003/05/soap-envelope")
    status, content_type, answer = raw(url, "POST", ASMX, body, headers)
    assert status == 200  # no action: routed by the body's PushMessage, as ASMX does
    assert content_type.startswith("application/soap+xml")
    assert b"<PushMessageResult>1</PushMessageResult>" in answer
    other = envelope("<Other/>", "http://www.w3.org/2003/05/soap-envelope")
    status, content_type, answer = raw(url, "POST", ASMX, other, headers)
    assert status == 500
    assert content_type.startswith("application/soap+xml")
    assert b"<soap:Value>soap:Sender</soap:Value>" in answer
    assert b"without a valid action parameter" in answer


def test_soap_xxe_and_billion_laughs_are_refused(url: str) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + envelope(push_xml().replace(f"<UserID>{USER}", "<UserID>&e;")).split(b"?>", 1)[1]
    )
    code, reason = soap_fault(url, xxe)
    assert code == "soap:Client"
    assert "DTD is prohibited" in reason
    assert "root:" not in reason
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "lol">{lol}]>'.encode()
        + envelope(push_xml().replace("<Message>hi", "<Message>&l9;")).split(b"?>", 1)[1]
    )
    assert "DTD is prohibited" in soap_fault(url, laughs)[1]
    assert messages(url) == []


def test_soap_comma_text_recipients_as_wp_sms_sends_them_answer_8(url: str) -> None:
    body = envelope(push_xml(recipients=f"{NUMBER},96891234568"))
    status, _, answer = raw(url, "POST", ASMX, body, SOAP11)
    assert status == 200
    assert b"<PushMessageResult>8</PushMessageResult>" in answer
    assert "text inside Recipients ignored" in last_request(url)["reason"]


def test_soap_help_page_and_wsdl_casing(url: str) -> None:
    page = requests.get(url + ASMX, timeout=10)
    assert page.status_code == 200
    assert "PushMessage" in page.text
    wsdl = requests.get(url + ASMX.lower() + "?wsdl", timeout=10)
    assert wsdl.status_code == 200
    assert b"IBulkSMSSoap12" in wsdl.content


# --- shared: rules, metrics ------------------------------------------------------------------


def test_rules_match_the_interface_and_answer_in_its_shape(
    url: str, zeep_client: zeep.Client
) -> None:
    rules = url + "/_mock/api/rules"
    for interface, code in (("rest", 4), ("soap", 13)):
        rule = {"match": {"interface": interface}, "action": {"code": code}, "name": interface}
        requests.post(rules, json=rule, timeout=10).raise_for_status()
    try:
        response = requests.post(url + REST, json=rest_fields(), timeout=10)
        assert response.json() == {"Code": 4, "Message": "Credit is Low."}
        assert push(zeep_client.service) == 13
        form = requests.post(
            url + "/iBulkSMS/HttpWS/SMSDynamicAPI.aspx",
            data={
                "UserId": USER,
                "Password": PASSWORD,
                "MobileNo": NUMBER,
                "Message": "m",
                "Lang": "0",
                "Header": "ACME",
            },
            timeout=10,
        )
        assert form.text == "1"  # neither rule matches the form API
    finally:
        requests.delete(rules, timeout=10)


def test_metrics_count_each_interface(url: str, zeep_client: zeep.Client) -> None:
    requests.post(url + REST, json=rest_fields(), timeout=10)
    push(zeep_client.service)
    metrics = requests.get(url + "/_mock/api/metrics", timeout=10).text
    assert 'ismart_requests_total{endpoint="PostSMS",code="1",http_status="201"}' in metrics
    assert 'ismart_requests_total{endpoint="IBulkSMS",code="1",http_status="200"}' in metrics


# --- PHP's SoapClient ------------------------------------------------------------------------

PHP_CLIENT = r"""
$version = $argv[2] === '12' ? SOAP_1_2 : SOAP_1_1;
$options = ['cache_wsdl' => WSDL_CACHE_NONE, 'soap_version' => $version];
$client = new SoapClient($argv[1] . '?WSDL', $options);
$result = $client->PushMessage([
    'UserID' => $argv[3], 'Password' => $argv[4], 'Message' => 'from php',
    'Recipients' => ['string' => [$argv[5]]], 'RecipientType' => 1, 'Language' => 0,
    'ScheddateTime' => date('Y-m-d') . 'T' . date('H:i:s'),
]);
echo $result->PushMessageResult;
"""


def php_soap() -> str | None:
    php = shutil.which("php")
    if php is None:
        return None
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, timeout=30).stdout
    return php if "soap" in modules.split() else None


@pytest.mark.subprocess
@pytest.mark.skipif(php_soap() is None, reason="php-cli with the soap extension is not installed")
@pytest.mark.parametrize("version", ["11", "12"])
def test_php_soapclient_in_wsdl_mode(url: str, version: str) -> None:
    php = php_soap()
    assert php is not None
    run = subprocess.run(
        [php, "-r", PHP_CLIENT, url + ASMX, version, USER, PASSWORD, NUMBER],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "1", run.stderr
    assert messages(url)[0]["text"] == "from php"


# --- the settings ----------------------------------------------------------------------------


def test_each_decision_has_its_switch() -> None:
    config = apply_mapping(
        Config(seed=0),
        {
            "accounts": ACCOUNTS,
            "endpoints": {
                "PostSMS": {
                    "error_status": 400,
                    "lenient_json": False,
                    "form_body": False,
                    "schedule_strict": True,
                    "web_service_code": 17,
                },
                "IBulkSMS": {"recipients_text": True},
            },
        },
        "test",
    )
    with ServerThread(create_app(config)) as running:
        url = running.url
        wrong = requests.post(url + REST, json=rest_fields(Password="wrong"), timeout=10)
        assert (wrong.status_code, wrong.json()["Code"]) == (400, 3)
        ok = requests.post(url + REST, json=rest_fields(), timeout=10)
        assert (ok.status_code, ok.json()["Code"]) == (201, 1)
        quoted = f"{{'UserID': '{USER}', 'MobileNo': ['{NUMBER}']}}".encode()
        status, _, answer = raw(url, "POST", REST, quoted, {"Content-Type": "application/json"})
        assert (status, json.loads(answer)["Code"]) == (400, 15)
        form = requests.post(url + REST, data={"UserID": USER}, timeout=10)
        assert form.status_code == 415
        later = requests.post(url + REST, json=rest_fields(ScheddateTime="soon"), timeout=10)
        assert later.json()["Code"] == 16
        noweb = requests.post(
            url + REST, json=rest_fields(UserID="noweb", Password="pw"), timeout=10
        )
        assert noweb.json()["Code"] == 17
        body = envelope(push_xml(recipients=f"{NUMBER},96891234568"))
        status, _, answer = raw(url, "POST", ASMX, body, SOAP11)
        assert b"<PushMessageResult>1</PushMessageResult>" in answer
        assert len(messages(url)) == 3  # the REST success and the two SOAP recipients


def test_an_endpoint_can_be_switched_off() -> None:
    config = apply_mapping(
        Config(seed=0),
        {"endpoints": {"PostSMS": {"enabled": False}, "IBulkSMS": {"enabled": False}}},
        "test",
    )
    with ServerThread(create_app(config)) as running:
        assert requests.post(running.url + REST, json=rest_fields(), timeout=10).status_code == 404
        assert requests.get(running.url + ASMX + "?WSDL", timeout=10).status_code == 404


def test_the_wsdl_never_points_at_the_live_gateway(url: str) -> None:
    """A client that sets ``Host: ismartsms.net`` itself (Zajil sets Host) still gets the
    emulator's own address in the WSDL."""
    status, _, wsdl = raw(url, "GET", ASMX + "?WSDL", b"", {"Host": "ismartsms.net"})
    assert status == 200
    assert b"ismartsms.net" not in wsdl
    assert f'location="{url}{ASMX}"'.encode() in wsdl
    status, _, wsdl = raw(url, "GET", ASMX + "?WSDL", b"", {"Host": "emulator.test:8080"})
    assert b'location="http://emulator.test:8080/iBulkSMS/webservice/IBulkSMS.asmx"' in wsdl


def test_scopes_apply_to_both_interfaces(url: str, zeep_client: zeep.Client) -> None:
    scoped = {"X-Mock-Scope": "suite-a"}
    response = requests.post(url + REST, json=rest_fields(), headers=scoped, timeout=10)
    assert response.json()["Code"] == 1
    with zeep_client.settings(extra_http_headers=scoped):
        assert push(zeep_client.service) == 1
    in_scope = requests.get(url + "/_mock/api/messages", headers=scoped, timeout=10).json()
    assert sorted(m["interface"] for m in in_scope) == ["rest", "soap"]
    assert {m["scope"] for m in in_scope} == {"suite-a"}
    other = requests.get(url + "/_mock/api/messages", headers={"X-Mock-Scope": "b"}, timeout=10)
    assert other.json() == []


WP_SMS_CLIENT = r"""
$client = new SoapClient($argv[1] . '?WSDL', ['cache_wsdl' => WSDL_CACHE_NONE, 'trace' => 1]);
$parameters['UserID'] = $argv[2];
$parameters['Password'] = $argv[3];
$parameters['Message'] = 'wp-sms';
$parameters['Recipients'] = implode(',', [$argv[4], $argv[4]]);
$parameters['RecipientType'] = 1;
$parameters['Language'] = 0;
$parameters['ScheddateTime'] = date('Y-m-d') . 'T' . date('H:i:s');
$result = $client->PushMessage($parameters);
echo $result->PushMessageResult, "\n", $client->__getLastRequest();
"""


@pytest.mark.subprocess
@pytest.mark.skipif(php_soap() is None, reason="php-cli with the soap extension is not installed")
def test_php_soapclient_given_a_comma_string_as_wp_sms_sends_no_recipients(url: str) -> None:
    """wp-sms's old gateway passes Recipients as a comma-joined string: PHP's SoapClient
    serialises that as an empty ``<Recipients/>``, so the answer is 8 (no recipients)."""
    php = php_soap()
    assert php is not None
    run = subprocess.run(
        [php, "-r", WP_SMS_CLIENT, url + ASMX, USER, PASSWORD, NUMBER],
        capture_output=True,
        text=True,
        timeout=60,
    )
    result, request = run.stdout.split("\n", 1)
    assert result == "8", run.stderr
    assert "<ns1:Recipients/>" in request


def test_the_help_page_s_sample_request_works_once_filled_in(url: str) -> None:
    """``?op=PushMessage`` shows ASMX-style samples generated from the operation's
    description; filled in, the SOAP 1.1 sample is a working request."""
    page = requests.get(url + ASMX + "?op=PushMessage", timeout=10)
    assert page.status_code == 200
    assert "SOAP 1.2" in page.text
    samples = [html.unescape(s) for s in re.findall(r"<pre>(.*?)</pre>", page.text, re.S)]
    request_11 = samples[0]
    values = {
        "UserID": USER,
        "Password": PASSWORD,
        "Message": "from the sample",
        "Language": "0",
        "ScheddateTime": "2017-01-22T10:00:00",
        "RecipientType": "1",
    }
    for name, value in values.items():
        request_11 = re.sub(rf"<{name}>\w+</{name}>", f"<{name}>{value}</{name}>", request_11)
    request_11 = request_11.replace(
        "<string>string</string><string>string</string>", f"<string>{NUMBER}</string>"
    )
    status, _, answer = raw(url, "POST", ASMX, request_11.encode(), SOAP11)
    assert (status, b"<PushMessageResult>1</PushMessageResult>" in answer) == (200, True)
    assert messages(url)[0]["text"] == "from the sample"
