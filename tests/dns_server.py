"""A tiny authoritative DNS server on loopback (UDP), answering TXT queries from a dict the
test fills: domain verification is tested against real DNS packets, never the internet."""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class LoopbackDns:
    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.silent = False  # True: drop every query (the resolver times out)
        self.queries: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                wire, peer = self._socket.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.queries.append(name)
            if self.silent:
                continue
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.AA
            values = self.txt.get(name)
            if values is None:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                quoted = ['"' + value.replace('"', '\\"') + '"' for value in values]
                reply.answer.append(
                    dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, dns.rdatatype.TXT, *quoted)
                )
            self._socket.sendto(reply.to_wire(), peer)
