"""The REST and SOAP readers and writers on their own (no server): what each request shape
reads as, what each answer looks like, and that the SOAP reader stays safe."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

import defusedxml.ElementTree as SafeET
import pytest
import zeep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ismart_sms_kit.mock_server.endpoints.interfaces import rest, soap
from ismart_sms_kit.mock_server.endpoints.interfaces.send import push_datetime, to_params

MUSCAT = timezone(timedelta(hours=4))
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)  # 12:00 in Muscat
ACTION = "http://tempuri.org/PushMessage"
SOAP11 = "text/xml; charset=utf-8"
SOAP12 = f'application/soap+xml; charset=utf-8; action="{ACTION}"'


def params_of(send):
    return dict(to_params(send, "HDR", NOW, MUSCAT).items())


# --- REST --------------------------------------------------------------------------------------


def test_rest_json_as_most_clients_send_it():
    body = json.dumps(
        {
            "UserID": "acme",
            "Password": "pw",
            "Message": "hello",
            "Language": "0",
            "MobileNo": ["96891234567", "96891234568"],
            "RecipientType": "1",
            "ScheddateTime": "01/22/2017 00:00:00",
        }
    ).encode()
    send = rest.read(body, "application/json")
    assert params_of(send) == {
        "UserId": "acme",
        "Password": "pw",
        "Message": "hello",
        "Lang": "0",
        "MobileNo": "96891234567,96891234568",
        "Header": "HDR",
        "FLashSMS": "N",
    }  # a past schedule: no PushDateTime, sent now
    assert send.schedule == datetime(2017, 1, 22)


def test_rest_single_quoted_json_with_an_unquoted_number_reads_as_jsonnet_reads_it():
    body = (
        b"{'UserID': 'acme','Password': 'pw','Message' :'hi there','Language': '64',"
        b"'ScheddateTime': '01/22/2017 00:00:00','MobileNo' : [96891234567],'RecipientType': '1'}"
    )
    params = params_of(rest.read(body, "application/json"))
    assert params["MobileNo"] == "96891234567"
    assert params["Lang"] == "64"
    assert params["Message"] == "hi there"


def test_rest_strict_json_refuses_what_only_jsonnet_reads():
    body = b"{'UserID': 'acme', MobileNo: [96891234567]}"
    with pytest.raises(rest.Unreadable, match="strict JSON"):
        rest.read(body, "application/json", rest.RestOptions(lenient_json=False))


def test_rest_names_are_case_insensitive_and_the_last_repeated_one_wins():
    body = b'{"userid": "first", "UserID": "acme", "mobileno": "96891234567", "language": 64}'
    params = params_of(rest.read(body, "application/json"))
    assert params["UserId"] == "acme"
    assert params["Lang"] == "64"


def test_rest_mobile_as_a_comma_string_or_numbers():
    send = rest.read(b'{"MobileNo": "96891234567, 96891234568,"}', "application/json")
    assert send.numbers == ["96891234567", "96891234568"]
    assert "comma-separated" in send.notes[0]
    send = rest.read(b'{"MobileNo": [96891234567, "96891234568"]}', "application/json")
    assert send.numbers == ["96891234567", "96891234568"]


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (None, None),
        ("", None),
        ("01/22/2017 00:00:00", None),  # past: now
        ("12/31/2099 23:59:59", "12/31/2099 23:59:59"),
        ("12/31/2099", "12/31/2099 00:00:00"),  # the date alone
        ("12/31/2099 1:05:00 PM", "12/31/2099 13:05:00"),  # DateTime.Now.ToString(), en-US
        ("2099-12-31T08:30:00", "12/31/2099 08:30:00"),
    ],
)
def test_rest_schedule_shapes(sent, expected):
    fields = {"UserID": "acme", "MobileNo": ["96891234567"]}
    if sent is not None:
        fields["ScheddateTime"] = sent
    params = params_of(rest.read(json.dumps(fields).encode(), "application/json"))
    assert params.get("PushDateTime") == expected


def test_rest_unreadable_schedule_is_now_or_the_core_s_16_when_strict():
    body = b'{"UserID": "acme", "ScheddateTime": "tomorrow", "MobileNo": ["96891234567"]}'
    send = rest.read(body, "application/json")
    assert "PushDateTime" not in params_of(send)
    assert send.notes == ["ScheddateTime 'tomorrow' unreadable, sent now"]
    strict = rest.read(body, "application/json", rest.RestOptions(schedule_strict=True))
    assert params_of(strict)["PushDateTime"] == "tomorrow"  # the core answers 16 for it


def test_rest_form_body_as_phpawcom_sends_it():
    body = b"UserID=acme&Password=pw&Message=hi&Language=0&MobileNo=96891234567&RecipientType=9"
    send = rest.read(body, "application/x-www-form-urlencoded; charset=UTF-8")
    params = params_of(send)
    assert params["MobileNo"] == "96891234567"
    assert params["FLashSMS"] == "Y"  # RecipientType 9: flash
    body = b"UserID=a&MobileNo[]=96891234567&MobileNo[]=96891234568"
    assert rest.read(body, rest.FORM_TYPE).numbers == ["96891234567", "96891234568"]
    with pytest.raises(rest.WebApiRefusal) as refused:
        rest.read(body, rest.FORM_TYPE, rest.RestOptions(form_body=False))
    assert refused.value.status == 415


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1, 2]", b'{"UserID": {"nested": 1}}', b"[" * 5000]
)
def test_rest_unreadable_bodies(body):
    with pytest.raises(rest.Unreadable):
        rest.read(body, "application/json")


def test_rest_other_media_types_and_methods_are_web_api_refusals():
    with pytest.raises(rest.WebApiRefusal) as refused:
        rest.read(b"x", "text/plain")
    assert refused.value.status == 415
    assert json.loads(refused.value.body()) == {
        "Message": "The request entity's media type 'text/plain' is not supported for this "
        "resource."
    }
    with pytest.raises(rest.WebApiRefusal) as refused:
        rest.check_method("GET")
    assert refused.value.status == 405


def test_rest_utf16_body_with_a_byte_order_mark():
    body = '{"UserID": "acme", "Message": "مرحبا"}'.encode("utf-16")
    assert rest.read(body, "application/json").message == "مرحبا"


def test_rest_answers():
    assert rest.answer(1) == (201, b'{"Code":1,"Message":"Message Pushed"}')
    status, body = rest.answer(3)
    assert status == 201
    assert json.loads(body) == {"Code": 3, "Message": "User or Password is wrong."}
    assert rest.answer(3, rest.RestOptions(error_status=400))[0] == 400
    assert json.loads(rest.answer(18)[1])["Message"].startswith("Web Service User not configured")


def test_schedules_not_in_the_future_are_now():
    assert push_datetime(datetime(1, 1, 1), NOW, MUSCAT) is None
    assert (
        push_datetime(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=-5))), NOW, MUSCAT) is None
    )
    assert push_datetime(datetime(2026, 11, 30, 12, 0), NOW, MUSCAT) is None  # exactly now
    assert push_datetime(datetime(2026, 11, 30, 12, 0, 1), NOW, MUSCAT) == "11/30/2026 12:00:01"
    aware = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    assert push_datetime(aware, NOW, MUSCAT) == "11/30/2026 13:00:00"


# --- SOAP --------------------------------------------------------------------------------------


def envelope(inner: str, version: soap.SoapVersion = soap.SoapVersion.V11) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="{version.envelope}">'
        f"<soap:Body>{inner}</soap:Body></soap:Envelope>"
    ).encode()


PUSH = (
    '<PushMessage xmlns="http://tempuri.org/"><UserID>acme</UserID><Password>pw</Password>'
    "<Message>hello</Message><Language>64</Language>"
    "<ScheddateTime>2017-01-22T10:00:00.1234567+04:00</ScheddateTime>"
    "<Recipients><string>96891234567</string><string>96891234568</string></Recipients>"
    "<RecipientType>9</RecipientType></PushMessage>"
)


def test_soap_reads_push_message_over_both_versions():
    request = soap.read_request(envelope(PUSH), SOAP11, f'"{ACTION}"')
    assert request.version is soap.SoapVersion.V11
    assert request.text("UserID") == "acme"
    assert request.number("Language") == 64
    assert request.strings("Recipients") == ["96891234567", "96891234568"]
    assert request.when("ScheddateTime") == datetime(
        2017, 1, 22, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=4))
    )
    v12 = soap.read_request(envelope(PUSH, soap.SoapVersion.V12), SOAP12, None)
    assert v12.version is soap.SoapVersion.V12
    assert v12.values == request.values


def test_soap_reads_as_xmlserializer_any_order_unknown_ignored_missing_default():
    inner = (
        '<p:PushMessage xmlns:p="http://tempuri.org/"><p:RecipientType>1</p:RecipientType>'
        "<p:UserID>acme</p:UserID><Password>unqualified: ignored</Password><p:Extra/>"
        "</p:PushMessage>"
    )
    request = soap.read_request(envelope(inner), SOAP11, ACTION)
    assert request.text("UserID") == "acme"
    assert request.text("Password") is None
    assert request.number("Language") == 0
    assert request.ignored == ["Password", "{http://tempuri.org/}Extra"]


def test_soap_dates_as_xmlconvert_reads_them():
    assert soap.xs_datetime("2017-01-22") == datetime(2017, 1, 22)  # any XSD form
    assert soap.xs_datetime(" 2017-01-22T10:00:00Z ") == datetime(
        2017, 1, 22, 10, tzinfo=timezone.utc
    )
    assert soap.xs_datetime("2017-01-22T10:00:00") == datetime(2017, 1, 22, 10)
    for bad in ("01/22/2017 00:00:00", "", "2017-02-30", "2017-01-22T25:00:00"):
        with pytest.raises(ValueError, match="is not a valid AllXsd value"):
            soap.xs_datetime(bad)


def fault_of(body: bytes, content_type: str = SOAP11, action: str | None = ACTION):
    with pytest.raises(soap.SoapFault) as caught:
        soap.read_request(body, content_type, action)
    return caught.value


def test_soap_faults_for_the_action():
    assert fault_of(envelope(PUSH), action=None).text == soap.NO_ACTION
    fault = fault_of(envelope(PUSH), action='"http://tempuri.org/Other"')
    assert (fault.code, fault.text) == (
        "Client",
        "Server did not recognize the value of HTTP Header SOAPAction: http://tempuri.org/Other.",
    )
    escaped = '"http%3A//tempuri.org/PushMessage"'  # ASMX URL-decodes the header
    assert soap.read_request(envelope(PUSH), SOAP11, escaped).text("UserID") == "acme"


def test_soap_12_routes_by_the_action_else_by_the_body_element():
    v12 = envelope(PUSH, soap.SoapVersion.V12)
    for content_type in ("application/soap+xml", 'application/soap+xml; action="urn:x"'):
        assert soap.read_request(v12, content_type, None).text("UserID") == "acme"
    other = envelope('<Other xmlns="http://tempuri.org/"/>', soap.SoapVersion.V12)
    assert fault_of(other, "application/soap+xml", None).text == soap.NO_ACTION
    fault = fault_of(other, 'application/soap+xml; action="urn:x"', None)
    assert (fault.code, fault.text) == (
        "Sender",
        "Unable to handle request. The action 'urn:x' was not recognized.",
    )
    fault = fault_of(other, SOAP12, None)  # the action routes: the body is then unreadable
    assert fault.text.endswith("<Other xmlns='http://tempuri.org/'> was not expected.")


def test_soap_faults_for_unreadable_requests():
    fault = fault_of(b"<soap:Envelope")
    assert fault.text.startswith("Server was unable to read request. ---> System.Xml.XmlException")
    fault = fault_of(envelope(PUSH.replace(' xmlns="http://tempuri.org/"', "")))
    assert fault.text.endswith("<PushMessage xmlns=''> was not expected.")
    assert "There is an error in XML document (2, " in fault.text
    fault = fault_of(envelope(PUSH.replace("<Language>64", "<Language>sixty-four")))
    assert fault.text.endswith("System.FormatException: Input string was not in a correct format.")
    fault = fault_of(envelope(PUSH, soap.SoapVersion.V12))
    assert fault.code == "VersionMismatch"
    assert fault_of(envelope("")).text.endswith("was expected.")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<PushMessage xmlns="http://tempuri.org/"><UserID>&xxe;</UserID></PushMessage>
</soap:Body></soap:Envelope>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<PushMessage xmlns="http://tempuri.org/"><Message>&lol9;</Message></PushMessage>'
    b"</soap:Body></soap:Envelope>"
)


@pytest.mark.parametrize("attack", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_soap_refuses_any_dtd_before_an_entity_is_resolved(attack):
    fault = fault_of(attack)  # refused at the DTD: no entity is ever expanded
    assert "DTD is prohibited" in fault.text
    assert "root:" not in fault.text


def test_soap_answers():
    ok = SafeET.fromstring(soap.result_envelope(soap.SoapVersion.V12, 4))
    assert ok.tag == "{http://www.w3.org/2003/05/soap-envelope}Envelope"
    result = ok.find(".//{http://tempuri.org/}PushMessageResult")
    assert result is not None
    assert result.text == "4"
    fault = SafeET.fromstring(
        soap.fault_envelope(soap.SoapFault(soap.SoapVersion.V11, "Client", "a < b"))
    )
    assert fault.findtext(".//faultcode") == "soap:Client"
    assert fault.findtext(".//faultstring") == "a < b"


def test_the_wsdl_describes_exactly_the_operation(tmp_path):
    location = "http://127.0.0.1:9/iBulkSMS/webservice/IBulkSMS.asmx"
    path = tmp_path / "IBulkSMS.wsdl"
    path.write_bytes(soap.wsdl(location))
    client = zeep.Client(str(path))
    service = client.wsdl.services["IBulkSMS"]
    assert set(service.ports) == {"IBulkSMSSoap", "IBulkSMSSoap12"}
    for port in service.ports.values():
        assert port.binding_options["address"] == location
        operation = port.binding.get("PushMessage")
        assert operation.soapaction == ACTION
        names = [name for name, _ in operation.input.body.type.elements]
        assert names == [p.name for p in soap.PUSH_MESSAGE.inputs]
        result = operation.output.body.type.elements
        assert [name for name, _ in result] == ["PushMessageResult"]


# --- properties --------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from([*rest.FIELDS, "userid", "MOBILENO", "other"])
PROPERTY = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,  # a loaded machine is not a failure
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=8))
def test_rest_any_json_object_reads_or_is_unreadable(fields):
    body = json.dumps(fields).encode()
    try:
        send = rest.read(body, "application/json")
    except rest.Unreadable:
        return
    params = params_of(send)
    assert set(params) >= {"UserId", "Password", "Message", "Lang", "MobileNo", "Header"}


@PROPERTY
@given(st.binary(max_size=300), st.sampled_from(["application/json", rest.FORM_TYPE]))
def test_rest_any_bytes_read_or_are_unreadable(body, content_type):
    with contextlib.suppress(rest.Unreadable):
        rest.read(body, content_type)


@PROPERTY
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: envelope(t)))
def test_soap_any_bytes_read_or_fault(body):
    try:
        soap.read_request(body, SOAP11, ACTION)
    except soap.SoapFault as fault:
        assert fault.code in ("Client", "VersionMismatch")
