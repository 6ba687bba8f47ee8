"""Issue 28, points 6 and 7: odd charsets and encodings get a clear answer on REST and SOAP
(never 11, never Python's own error text), and every SOAP fault is well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests

from ismart_sms_kit.mock_server.server import ServerThread
from tests.conftest import SAMPLE

REST = "/RestApi/api/SMS/PostSMS"
ASMX = "/iBulkSMS/webservice/IBulkSMS.asmx"
ACTION = "http://tempuri.org/PushMessage"
ODD = ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "idna", "x-no-such-charset"]
FIELDS = {
    "UserID": SAMPLE["UserId"],
    "Password": SAMPLE["Password"],
    "Message": "hello",
    "Language": "0",
    "MobileNo": [SAMPLE["MobileNo"]],
    "RecipientType": "1",
}


def rest(url: str, body: bytes, charset: str) -> requests.Response:
    headers = {"Content-Type": f"application/json; charset={charset}"}
    return requests.post(url + REST, data=body, headers=headers, timeout=10)


@pytest.mark.parametrize("charset", ODD)
def test_rest_reads_a_non_text_charset_as_utf_8(served: ServerThread, charset: str) -> None:
    body = json.dumps({**FIELDS, "Message": "héllo"}, ensure_ascii=False).encode()
    answer = rest(served.url, body, charset)
    assert answer.json()["Code"] == rest(served.url, body, "utf-8").json()["Code"] == 1
    assert (
        requests.get(served.url + "/_mock/api/messages/latest?to=96899123456", timeout=10).json()[
            "text"
        ]
        == "héllo"
    )


def test_a_huge_lenient_json_hex_number_is_unreadable_not_11(served: ServerThread) -> None:
    body = (
        b'{UserID: "ismartsms", Password: "ismartsms", Message: "x", MobileNo: 0x'
        + (b"f" * 5_000)
        + b', Language: "0"}'
    )
    answer = rest(served.url, body, "utf-8")
    assert answer.json()["Code"] == 15, answer.text
    reason = requests.get(served.url + "/_mock/api/requests?limit=1", timeout=10).json()[0]
    assert "Exceeds the limit" not in reason["reason"] and "4300" not in reason["reason"]


def envelope(language: str = "0", declaration: str = '<?xml version="1.0" encoding="utf-8"?>'):
    return (
        f'{declaration}<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><PushMessage xmlns="http://tempuri.org/"><UserID>ismartsms</UserID>'
        f"<Password>ismartsms</Password><Message>hi</Message><Language>{language}</Language>"
        f"<Recipients><string>96899123456</string></Recipients><RecipientType>1</RecipientType>"
        "</PushMessage></soap:Body></soap:Envelope>"
    ).encode()


def soap(url: str, body: bytes, action: str = f'"{ACTION}"', charset: str = "utf-8"):
    headers = {"Content-Type": f"text/xml; charset={charset}", "SOAPAction": action}
    return requests.post(url + ASMX, data=body, headers=headers, timeout=10)


def fault_of(answer: requests.Response) -> tuple[str, str]:
    assert answer.status_code == 500, answer.text
    root = ET.fromstring(answer.content)  # well-formed XML, or this raises
    return root.findtext(".//faultcode") or "", root.findtext(".//faultstring") or ""


@pytest.mark.parametrize("encoding", ODD)
def test_soap_an_encoding_net_cannot_read_is_a_client_fault(
    served: ServerThread, encoding: str
) -> None:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    code, text = fault_of(soap(served.url, envelope(declaration=declaration)))
    assert code == "soap:Client"
    assert text == (
        "Server was unable to read request. ---> System.Xml.XmlException: System does not "
        f"support '{encoding}' encoding. Line 1, position 31."
    )


@pytest.mark.parametrize("charset", ODD)
def test_soap_a_non_text_content_type_charset_reads_as_utf_8(
    served: ServerThread, charset: str
) -> None:
    answer = soap(served.url, envelope(), charset=charset)
    assert b"<PushMessageResult>1</PushMessageResult>" in answer.content, answer.text


def test_a_5000_digit_language_is_net_s_overflow_not_python_s_text(served: ServerThread) -> None:
    code, text = fault_of(soap(served.url, envelope(language="9" * 5_000)))
    assert code == "soap:Client"
    assert text.endswith(
        "System.OverflowException: Value was either too large or too small for an Int32."
    ), text
    # leading zeros are still a small number, as XmlConvert.ToInt32 reads them
    answer = soap(served.url, envelope(language="0" * 5_000))
    assert b"<PushMessageResult>1</PushMessageResult>" in answer.content, answer.text


@pytest.mark.parametrize(
    "action", ['"%01%02%1b[31m%ff%fe"', '"%00%0b%0c%7f"', '"http://x/%ef%bf%be%ed%a0%80"']
)
def test_every_soap_fault_is_well_formed_xml(served: ServerThread, action: str) -> None:
    code, text = fault_of(soap(served.url, envelope(), action=action))
    assert code == "soap:Client"
    assert text.startswith("Server did not recognize the value of HTTP Header SOAPAction: ")
