"""The REST and SOAP interfaces' requests and answers, as pure readers and writers (no state,
no HTTP server); :mod:`..webservice` is their endpoint.

* :mod:`.rest`: ``POST /RestApi/api/SMS/PostSMS``, JSON (or a form body) in, ``201`` with
  ``{"Code": n, "Message": "..."}`` out.
* :mod:`.soap`: the ASMX service ``/iBulkSMS/webservice/IBulkSMS.asmx``, one operation,
  ``PushMessage``, over SOAP 1.1 and 1.2; its WSDL is generated from the one description of
  the operation there.
* :mod:`.send`: what both read, as one :class:`~.send.WebServiceSend`, turned into the form
  API's parameters so that the one decision core decides every interface alike.
"""
