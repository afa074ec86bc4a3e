"""A stand-in for the EU VAT registry's SOAP service (VIES) on a loopback port.

It serves a service description of the registry's shape (the same operations, elements and
namespaces as the Commission's checkVatService, written here from its published interface;
only the parts the portal uses) and answers the real checkVat / checkVatApprox envelopes:
valid, invalid, any fault the registry sends, a reply too slow for the portal's timeout, an
HTTP error without a fault, or a broken body. Tests say per VAT ID what it answers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TYPES = "urn:ec.europa.eu:taxud:vies:services:checkVat:types"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

# Answers a test can give for a VAT ID (anything else is sent as a SOAP fault string).
VALID = "valid"
INVALID = "invalid"
SLOW = "slow"  # answers valid, after the portal stopped waiting
HTTP_503 = "http503"  # a gateway error page, no SOAP at all
GARBAGE = "garbage"  # 200 with a body that is no XML

_WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:wsdlsoap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:types="urn:ec.europa.eu:taxud:vies:services:checkVat:types"
    xmlns:impl="urn:ec.europa.eu:taxud:vies:services:checkVat"
    targetNamespace="urn:ec.europa.eu:taxud:vies:services:checkVat">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:ec.europa.eu:taxud:vies:services:checkVat:types"
        elementFormDefault="qualified">
      <xsd:element name="checkVat">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="countryCode" type="xsd:string"/>
          <xsd:element name="vatNumber" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="checkVatResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="countryCode" type="xsd:string"/>
          <xsd:element name="vatNumber" type="xsd:string"/>
          <xsd:element name="requestDate" type="xsd:date"/>
          <xsd:element name="valid" type="xsd:boolean"/>
          <xsd:element name="name" type="xsd:string" minOccurs="0" nillable="true"/>
          <xsd:element name="address" type="xsd:string" minOccurs="0" nillable="true"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="checkVatApprox">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="countryCode" type="xsd:string"/>
          <xsd:element name="vatNumber" type="xsd:string"/>
          <xsd:element name="traderName" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderCompanyType" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderStreet" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderPostcode" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderCity" type="xsd:string" minOccurs="0"/>
          <xsd:element name="requesterCountryCode" type="xsd:string" minOccurs="0"/>
          <xsd:element name="requesterVatNumber" type="xsd:string" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="checkVatApproxResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="countryCode" type="xsd:string"/>
          <xsd:element name="vatNumber" type="xsd:string"/>
          <xsd:element name="requestDate" type="xsd:date"/>
          <xsd:element name="valid" type="xsd:boolean"/>
          <xsd:element name="traderName" type="xsd:string" minOccurs="0" nillable="true"/>
          <xsd:element name="traderCompanyType" type="xsd:string" minOccurs="0" nillable="true"/>
          <xsd:element name="traderAddress" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderStreet" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderPostcode" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderCity" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderNameMatch" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderCompanyTypeMatch" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderStreetMatch" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderPostcodeMatch" type="xsd:string" minOccurs="0"/>
          <xsd:element name="traderCityMatch" type="xsd:string" minOccurs="0"/>
          <xsd:element name="requestIdentifier" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="checkVatRequest">
    <wsdl:part name="parameters" element="types:checkVat"/>
  </wsdl:message>
  <wsdl:message name="checkVatResponse">
    <wsdl:part name="parameters" element="types:checkVatResponse"/>
  </wsdl:message>
  <wsdl:message name="checkVatApproxRequest">
    <wsdl:part name="parameters" element="types:checkVatApprox"/>
  </wsdl:message>
  <wsdl:message name="checkVatApproxResponse">
    <wsdl:part name="parameters" element="types:checkVatApproxResponse"/>
  </wsdl:message>
  <wsdl:portType name="checkVatPortType">
    <wsdl:operation name="checkVat">
      <wsdl:input name="checkVatRequest" message="impl:checkVatRequest"/>
      <wsdl:output name="checkVatResponse" message="impl:checkVatResponse"/>
    </wsdl:operation>
    <wsdl:operation name="checkVatApprox">
      <wsdl:input name="checkVatApproxRequest" message="impl:checkVatApproxRequest"/>
      <wsdl:output name="checkVatApproxResponse" message="impl:checkVatApproxResponse"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="checkVatBinding" type="impl:checkVatPortType">
    <wsdlsoap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="checkVat">
      <wsdlsoap:operation soapAction=""/>
      <wsdl:input name="checkVatRequest"><wsdlsoap:body use="literal"/></wsdl:input>
      <wsdl:output name="checkVatResponse"><wsdlsoap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="checkVatApprox">
      <wsdlsoap:operation soapAction=""/>
      <wsdl:input name="checkVatApproxRequest"><wsdlsoap:body use="literal"/></wsdl:input>
      <wsdl:output name="checkVatApproxResponse"><wsdlsoap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="checkVatService">
    <wsdl:port name="checkVatPort" binding="impl:checkVatBinding">
      <wsdlsoap:address location="{location}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""


def _envelope(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP_ENV}">'
        f"<env:Header/><env:Body>{body}</env:Body></env:Envelope>"
    )


@dataclass
class Request_:
    """One request the fake received."""

    operation: str
    fields: dict[str, str]


@dataclass
class FakeVies:
    """The running fake: its address, what it answers per VAT ID, what it was asked."""

    url: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    requests: list[Request_] = field(default_factory=list)
    slow_seconds: float = 2.0
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wsdl_url(self) -> str:
        return f"{self.url}/checkVatService.wsdl"

    def reset(self) -> None:
        with self.lock:
            self.answers.clear()
            self.requests.clear()

    def asked(self, vat_id: str) -> int:
        """How many checks of this VAT ID arrived."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.fields.get("countryCode", "") + r.fields.get("vatNumber", "") == vat_id
            )

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET":
            body = _WSDL.replace("{location}", f"{self.url}/checkVatService")
            return Response(body, content_type="text/xml; charset=utf-8")(environ, start_response)
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        root = etree.fromstring(request.get_data())
        call = root.find(f"{{{SOAP_ENV}}}Body")[0]
        operation = etree.QName(call).localname
        fields = {etree.QName(child).localname: (child.text or "") for child in call}
        with self.lock:
            self.requests.append(Request_(operation, fields))
            self.counter += 1
            number = self.counter
            behaviour = self.answers.get(fields["countryCode"] + fields["vatNumber"], VALID)
        if behaviour == SLOW:
            time.sleep(self.slow_seconds)
            behaviour = VALID
        if behaviour == HTTP_503:
            return Response("<html><body>Service Unavailable</body></html>", status=503)
        if behaviour == GARBAGE:
            return Response("this is no SOAP", content_type="text/xml")
        if behaviour not in (VALID, INVALID):
            fault = (
                "<env:Fault><faultcode>env:Server</faultcode>"
                f"<faultstring>{escape(behaviour)}</faultstring></env:Fault>"
            )
            return Response(_envelope(fault), status=500, content_type="text/xml; charset=utf-8")
        valid = behaviour == VALID
        # The registry writes "---" where a member state gives no name or address.
        parts = [
            ("countryCode", fields["countryCode"]),
            ("vatNumber", fields["vatNumber"]),
            ("requestDate", "2026-11-13+01:00"),
            ("valid", str(valid).lower()),
        ]
        name = "MUSTER GMBH" if valid else "---"
        address = "HAUPTSTRASSE 1\n10115 BERLIN" if valid else "---"
        if operation == "checkVatApprox":
            parts += [
                ("traderName", name),
                ("traderAddress", address),
                ("requestIdentifier", f"WAPIAAAAW{number:07d}"),
            ]
        else:
            parts += [("name", name), ("address", address)]
        elements = "".join(f"<v:{tag}>{escape(value)}</v:{tag}>" for tag, value in parts)
        body = f'<v:{operation}Response xmlns:v="{TYPES}">{elements}</v:{operation}Response>'
        return Response(_envelope(body), content_type="text/xml; charset=utf-8")


class RunningFake:
    """Start and stop the fake on a free loopback port."""

    def __init__(self) -> None:
        self.fake = FakeVies()
        self.server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.fake.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeVies:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
