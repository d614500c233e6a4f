"""Benchmark 8b: stuffing at scale: an attacker with an IPv6 /48, one with 500 IPv4 addresses in 20 /24s, and the
proof's price on a CPU and on a GPU; honest readers of one busy /24 beside them.

The attackers present their addresses as CloudFront does (`X-Origin-Verify` with the stack's edge key and
`CloudFront-Viewer-Address`), so thousands of addresses reach the API from one machine. The windows' effect is
measured on polls without a proof (the proof refuses nothing a patient attacker pays for; it only prices each vote),
and the proof's price comes from solving real default challenges here, scaled by published GPU figures.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests

from bench.harness import Section, local_stack
from bench.stuffing import CORE_PRICE, GPU_PBKDF2_ITERATIONS, GPU_PRICE, GPU_SCRYPT_N16384
from chalicelib.core.poll import DEFAULT_ADDRESS_LIMIT, DEFAULT_BLOCK_LIMITS, AddressBlock
from local.stack import LocalStack
from ops.client import PollClient, solve

ADMIN_TOKEN = "stuffing-scale-token"
THREADS = 4
ADDRESS_WINDOW_ONLY: dict[str, Any] = {
    "votes": DEFAULT_ADDRESS_LIMIT.votes,
    "minutes": DEFAULT_ADDRESS_LIMIT.minutes,
    "blocks": {},
}
# Prices and published GPU rates: section 8's (bench/stuffing.py), so both sections price the proof alike.
CPU_DOLLARS_PER_HOUR, GPU_DOLLARS_PER_HOUR = CORE_PRICE, GPU_PRICE


@dataclass(frozen=True)
class Attacker:
    """Addresses an attacker votes from, and what to call it."""

    name: str
    addresses: tuple[str, ...]


def _ipv6_48(count: int) -> Attacker:
    """`count` addresses, each in its own /64 of one /48 (2001:db8:4800::/48)."""
    return Attacker(f"IPv6 /48 ({count:,} /64s)", tuple(f"2001:db8:4800:{n:x}::1" for n in range(count)))


def _ipv4_blocks(blocks: int, per_block: int) -> Attacker:
    """`blocks` /24s of the benchmarking range 198.18.0.0/15, `per_block` addresses in each."""
    addresses = tuple(f"198.18.{b}.{a + 1}" for b in range(blocks) for a in range(per_block))
    return Attacker(f"{blocks * per_block} IPv4 addresses in {blocks} /24s", addresses)


def _admin(stack: LocalStack) -> PollClient:
    return PollClient.over_http(stack.api_url, ADMIN_TOKEN, timeout=30)


def _poll(stack: LocalStack, **fields: Any) -> str:
    poll = _admin(stack).create_poll(question="Should the bypass be built?", options=["Yes", "No"], **fields)
    return str(poll["id"])


def _as_viewer(stack: LocalStack, address: str) -> dict[str, str]:
    """Headers presenting a reader's address as CloudFront does (the edge key vouches for it)."""
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    return {"X-Origin-Verify": stack.edge_key, "CloudFront-Viewer-Address": f"{host}:443"}


def _attack(stack: LocalStack, poll_id: str, attacker: Attacker, seconds: float, cap: int) -> dict[str, Any]:
    """THREADS scripted clients cycling over the attacker's addresses with fresh voter tokens, until `seconds` pass,
    `cap` votes are accepted, or every address has been refused in a row (the windows allow no more)."""
    url = f"{stack.api_url}/polls/{poll_id}/votes"
    accepted, refused, lock = [0], [0], threading.Lock()
    refusals_in_a_row = [0]
    started = time.monotonic()
    deadline = started + seconds
    turns = iter(range(10**9))

    def exhausted() -> bool:
        return accepted[0] >= cap or refusals_in_a_row[0] >= len(attacker.addresses) + THREADS

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < deadline and not exhausted():
            with lock:
                turn = next(turns)
            address = attacker.addresses[turn % len(attacker.addresses)]
            body = {"options": ["no"], "voter": f"stuffer-{uuid.uuid4().hex}"}
            status = session.post(url, json=body, headers=_as_viewer(stack, address), timeout=30).status_code
            with lock:
                if status == 201:
                    accepted[0] += 1
                    refusals_in_a_row[0] = 0
                else:
                    refused[0] += 1
                    refusals_in_a_row[0] += 1

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "accepted": accepted[0],
        "refused": refused[0],
        "seconds": time.monotonic() - started,
        "exhausted": refusals_in_a_row[0] >= len(attacker.addresses) + THREADS,
    }


def _hour_allowance(attacker: Attacker, address_limit: dict[str, Any] | None) -> float:
    """What the poll's windows allow the attacker in an hour (infinite without them)."""
    if address_limit is None:
        return float("inf")
    own = address_limit["votes"] * 60 / address_limit["minutes"]
    prefixes = {_prefix(a) for a in attacker.addresses}
    allowed = own * len(prefixes)
    for name, block in (address_limit.get("blocks") or {}).items():
        kind = AddressBlock(name)
        members = {_block(a, kind) for a in attacker.addresses} - {None}
        if members:
            per_hour = block["votes"] * 60 / block["minutes"]
            allowed = min(allowed, per_hour * len(members))
    return allowed


def _prefix(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return str(ipaddress.ip_network(f"{ip}/{64 if ip.version == 6 else 32}", strict=False))


def _block(address: str, kind: AddressBlock) -> str | None:
    ip = ipaddress.ip_address(address)
    width = {AddressBlock.IPV4_24: (4, 24), AddressBlock.IPV6_56: (6, 56), AddressBlock.IPV6_48: (6, 48)}[kind]
    return str(ipaddress.ip_network(f"{ip}/{width[1]}", strict=False)) if ip.version == width[0] else None


def _default_limit() -> dict[str, Any]:
    """The default poll's address limit as the API takes it."""
    blocks = {k.value: {"votes": b.votes, "minutes": b.minutes} for k, b in DEFAULT_BLOCK_LIMITS.items()}
    return {"votes": DEFAULT_ADDRESS_LIMIT.votes, "minutes": DEFAULT_ADDRESS_LIMIT.minutes, "blocks": blocks}


def _proof_price(stack: LocalStack, samples: int) -> dict[str, float]:
    """Mean CPU-seconds to solve one default challenge here, as a scripted client does (Python, one core)."""
    poll = _poll(stack)
    api = _admin(stack)
    cpu = 0.0
    for _ in range(samples):
        document = api.challenge(poll).expect(200)
        started = time.thread_time()
        solve(document)
        cpu += time.thread_time() - started
    algorithm = str(api.challenge(poll).expect(200)["parameters"]["algorithm"])
    return {"cpu_seconds": cpu / samples, "algorithm": algorithm}  # type: ignore[dict-item]


def _honest_block(stack: LocalStack, readers: int, addresses: int) -> dict[str, int]:
    """`readers` readers of one /24 (198.19.7.0/24) on a default poll, `addresses` addresses among them (some shared),
    each solving its proof: how many are refused."""
    poll = _poll(stack)
    url = f"{stack.api_url}/polls/{poll}"
    refused, lock, numbers = [0], threading.Lock(), iter(range(readers))

    def reader() -> None:
        session = requests.Session()
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            headers = _as_viewer(stack, f"198.19.7.{number % addresses + 1}")
            document = session.get(f"{url}/challenge", headers=headers, timeout=30).json()
            body = {"options": ["yes"], "voter": f"reader-{number:05d}", "proof": solve(document)}
            status = session.post(f"{url}/votes", json=body, headers=headers, timeout=30).status_code
            with lock:
                refused[0] += int(status != 201)

    threads = [threading.Thread(target=reader) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"readers": readers, "addresses": addresses, "refused": refused[0]}


def _gpu_advantage(algorithm: str) -> float:
    """One rented GPU's rate over one core here on the proof's function, from section 8's published figures (both
    measured at the published parameters)."""
    if algorithm.upper() == "SCRYPT":
        started = time.process_time()
        for _ in range(5):
            hashlib.scrypt(b"p" * 20, salt=b"s" * 16, n=16384, r=8, p=1, dklen=32, maxmem=2**25)
        return GPU_SCRYPT_N16384 / (5 / (time.process_time() - started))
    started = time.process_time()
    hashlib.pbkdf2_hmac("sha256", b"p" * 20, b"s" * 16, 400_000, 32)
    return GPU_PBKDF2_ITERATIONS / (400_000 / (time.process_time() - started))


def _dollars_per_thousand(cpu_seconds: float, advantage: float) -> tuple[float, float]:
    """The proof's price for 1,000 accepted votes on rented vCPUs and on a rented GPU."""
    cpu = 1000 * cpu_seconds / 3600 * CPU_DOLLARS_PER_HOUR
    gpu = 1000 * cpu_seconds / advantage / 3600 * GPU_DOLLARS_PER_HOUR
    return cpu, gpu


def _quick_limit() -> dict[str, Any]:
    """--quick: small block windows, so a run of a few seconds meets them and shows them bind exactly."""
    blocks = {"ipv4_24": {"votes": 10, "minutes": 60}, "ipv6_48": {"votes": 20, "minutes": 60}}
    return {"votes": DEFAULT_ADDRESS_LIMIT.votes, "minutes": DEFAULT_ADDRESS_LIMIT.minutes, "blocks": blocks}


def run(quick: bool = False) -> list[Section]:
    """Run the drill at scale against a fresh local stack."""
    seconds, samples, readers, shared = (3.0, 2, 12, 5) if quick else (20.0, 10, 300, 120)
    attackers = [_ipv6_48(64), _ipv4_blocks(4, 5)] if quick else [_ipv6_48(4096), _ipv4_blocks(20, 25)]
    limited = _quick_limit() if quick else _default_limit()
    defences: list[tuple[str, dict[str, Any] | None]] = [
        ("none", None),
        ("address window only (the defaults before blocks)", ADDRESS_WINDOW_ONLY),
        ("address window + blocks (default)", limited),
    ]
    section = Section("8b. Stuffing at scale: an IPv6 /48, 500 addresses in 20 /24s, and a GPU")
    data: dict[str, Any] = {"cases": {}}
    with local_stack(ADMIN_TOKEN) as stack:
        rows = []
        for attacker in attackers:
            for defence, address_limit in defences:
                poll = _poll(stack, challenge="none", address_limit=address_limit)
                allowance = _hour_allowance(attacker, address_limit)
                cap = int(min(allowance, 10**9)) + 1
                # Where the blocks bind, run on until they refuse every address (minutes): the count is then exact.
                length = seconds if quick or defence != defences[-1][0] else 600.0
                figures = _attack(stack, poll, attacker, length, cap)
                per_hour = min(figures["accepted"] / figures["seconds"] * 3600, allowance)
                case = {**figures, "per_hour": per_hour, "allowance": allowance}
                data["cases"][f"{attacker.name} | {defence}"] = case
                shown = f"{figures['accepted']:,} in {figures['seconds']:.0f} s" + (
                    " (windows spent)" if figures["exhausted"] else ""
                )
                rows.append([attacker.name, defence, shown, f"{per_hour:,.0f}"])
        price = _proof_price(stack, samples)
        data["proof"] = price
        data["honest"] = _honest_block(stack, readers, shared)
    advantage = _gpu_advantage(str(price["algorithm"]))
    cpu_dollars, gpu_dollars = _dollars_per_thousand(price["cpu_seconds"], advantage)
    data["gpu"] = {"advantage": advantage, "per_dollar": advantage * CPU_DOLLARS_PER_HOUR / GPU_DOLLARS_PER_HOUR}
    data["dollars"] = {"cpu": cpu_dollars, "gpu": gpu_dollars}
    header = ["attacker (fresh voter token each vote)", "defences", "accepted in the run", "accepted / hour"]
    section.table(header, rows)
    section.table(
        ["the default proof", "figure"],
        [
            ["algorithm", price["algorithm"]],
            ["attacker CPU-s to solve one (Python, one core here)", f"{price['cpu_seconds']:.3f}"],
            ["a GPU's rate over one core here (published figure / measured here)", f"{advantage:,.0f}x"],
            ["... per dollar (GPU and vCPU at the prices below)", f"{data['gpu']['per_dollar']:,.0f}x"],
            ["attacker's $ per 1,000 accepted votes: rented vCPUs", f"{cpu_dollars:.4f}"],
            ["attacker's $ per 1,000 accepted votes: a rented GPU", f"{gpu_dollars:.6f}"],
        ],
    )
    honest = data["honest"]
    section.table(
        ["honest readers", "refused"],
        [
            [
                f"{honest['readers']} readers of one /24 from {honest['addresses']} addresses, default poll",
                honest["refused"],
            ]
        ],
    )
    section.notes += [
        "Attackers present their addresses through the stack's edge key (`X-Origin-Verify` with "
        "`CloudFront-Viewer-Address`), as CloudFront does; 4 threads, a fresh voter token each vote. The windows are "
        "measured on polls without a proof (a patient attacker pays the proof; it refuses nothing); 'accepted / hour' "
        "is the run's rate, capped by what the poll's windows allow in an hour. Runs stop after 20 s, except on the "
        "default windows, which run until every address is refused: what they accepted is then the windows' whole "
        "allowance, counted (the rate without windows is this local stack's, the attacker's own bound is higher).",
        f"Prices and GPU rates as section 8 states them: a core at ${CPU_DOLLARS_PER_HOUR} an hour, an RTX 4090 "
        f"at ${GPU_DOLLARS_PER_HOUR} an hour; the GPU's published rate (hashcat) over this machine's own rate of the "
        "same function, with the same parameters, on one core.",
        "Honest readers: each solves the default proof and votes from its address of the /24 (several readers "
        "share an address, as behind a NAT); section 8 has 50 readers behind one address and the reader's time.",
    ]
    section.data = data
    return [section]
