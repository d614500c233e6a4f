"""Benchmark 8: the stuffing drill: scripted attackers against the local stack, with and without each protection."""

from __future__ import annotations

import hashlib
import os
import secrets
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import altcha

from bench.harness import Section, local_stack
from chalicelib.core.poll import DEFAULT_ADDRESS_LIMIT, DEFAULT_BLOCK_LIMITS, AddressBlock, ProofAlgorithm
from chalicelib.runtime.settings import POW_COST, POW_SPREAD, SCRYPT_COST, SCRYPT_SPREAD, get_settings
from chalicelib.services.challenges import work
from local.stack import LocalStack
from ops.client import PollClient, loopback, solve

ADMIN_TOKEN = "stuffing-drill-token"
THREADS = 4
QUICK_WINDOW = {"votes": 3, "minutes": 10}  # --quick: a window the attack always exceeds, whatever the speed
CASES: list[tuple[str, dict[str, Any], int]] = [  # name, poll protection, attacker addresses
    ("no protection, one address", {"challenge": "none", "address_limit": None}, 1),
    ("address limit only, one address", {"challenge": "none"}, 1),
    ("proof of work only (scrypt, the default), one address", {"challenge": "proof_of_work", "address_limit": None}, 1),
    (
        "proof of work only (pbkdf2), one address",
        {"challenge": "proof_of_work", "proof_algorithm": "pbkdf2", "address_limit": None},
        1,
    ),
    ("default (proof of work + address limit), one address", {}, 1),
    ("no protection, 64 addresses", {"challenge": "none", "address_limit": None}, 64),
    ("default, 64 addresses", {}, 64),
]


def _client(stack: LocalStack, source: str | None = None) -> PollClient:
    """A client of the stack's API (with the admin token), from a chosen loopback address if given."""
    return PollClient.over_http(stack.api_url, ADMIN_TOKEN, source=source, timeout=30)


def _poll(stack: LocalStack, **fields: Any) -> str:
    return str(
        _client(stack).create_poll(question="Should the bypass be built?", options=["Yes", "No"], **fields)["id"]
    )


def _attack(stack: LocalStack, poll_id: str, addresses: int, seconds: float, pow_needed: bool) -> dict[str, Any]:
    """THREADS scripted clients, each with fresh voter tokens, spread over `addresses` source addresses."""
    accepted, refused, cpu = [0] * THREADS, [0] * THREADS, [0.0] * THREADS
    deadline = time.monotonic() + seconds
    clients = [_client(stack, loopback(index)) for index in range(addresses)]

    def client(number: int) -> None:
        turn = number
        while time.monotonic() < deadline:
            attacker = clients[turn % addresses]
            turn += THREADS
            started = time.thread_time()
            proof = attacker.solved_challenge(poll_id) if pow_needed else None
            answer = attacker.vote(poll_id, ["no"], f"stuffer-{uuid.uuid4().hex}", proof=proof)
            cpu[number] += time.thread_time() - started
            if answer.status == 201:
                accepted[number] += 1
            else:
                refused[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"accepted": sum(accepted), "refused": sum(refused), "cpu": sum(cpu), "seconds": seconds}


def _per_hour_per_address(figures: dict[str, Any], addresses: int, limited: bool) -> float:
    """Accepted votes an hour per address: the run's rate, capped by the windows' allowances once they refuse (the
    address's own, and its /24's shared by all the attacker's loopback addresses)."""
    rate = figures["accepted"] / figures["seconds"] * 3600 / addresses
    if limited:  # the windows allow no more, whatever the rate
        block = DEFAULT_BLOCK_LIMITS[AddressBlock.IPV4_24]
        own = DEFAULT_ADDRESS_LIMIT.votes * 60 / DEFAULT_ADDRESS_LIMIT.minutes
        return min(rate, own, block.votes * 60 / block.minutes / addresses)
    return rate


def _replays(stack: LocalStack, times: int) -> dict[str, int]:
    """One proof spent, then replayed on its poll and offered to another poll: how many of those count."""
    poll, other = _poll(stack, address_limit=None), _poll(stack, address_limit=None)
    api = _client(stack)
    proof = api.solved_challenge(poll)
    first = api.vote(poll, ["no"], "replay-first", proof=proof)
    counted = {"first use": int(first.status == 201), "replayed": 0, "cross-poll": 0}
    for index in range(times):
        for name, target in (("replayed", poll), ("cross-poll", other)):
            counted[name] += int(api.vote(target, ["no"], f"replay-{name}-{index}", proof=proof).status == 201)
    return counted


def _office(stack: LocalStack, readers: int) -> dict[str, int]:
    """Readers behind one office NAT (one address) on a default poll, each solving its proof: how many are refused."""
    poll = _poll(stack)
    office = _client(stack, "127.0.0.250")
    refused = 0
    for index in range(readers):
        proof = office.solved_challenge(poll)
        refused += int(office.vote(poll, ["yes"], f"office-reader-{index:04d}", proof=proof).status != 201)
    return {"readers": readers, "refused": refused}


def _kdf_rates() -> dict[str, float]:
    """This machine's single-core rates: PBKDF2-SHA256 iterations a second and scrypt evaluations a second."""
    started = time.process_time()
    hashlib.pbkdf2_hmac("sha256", b"p" * 20, b"s" * 16, 400_000, 32)
    rates = {"pbkdf2_iterations_per_s": 400_000 / (time.process_time() - started)}
    for n in (1024, SCRYPT_COST, 16384):
        started = time.process_time()
        for _ in range(5):
            hashlib.scrypt(b"p" * 20, salt=b"s" * 16, n=n, r=8, p=1, dklen=32, maxmem=2 * 128 * n * 8 + 2**20)
        rates[f"scrypt_n{n}_per_s"] = 5 / (time.process_time() - started)
    return rates


def _server_costs(runs: int) -> dict[str, dict[str, float]]:
    """The server's work per vote at the default costs, median ms on one core here: issuing a challenge (it derives
    the key once, knowing the counter) and verifying its proof (one HMAC)."""
    costs = {}
    for algorithm in ProofAlgorithm:
        issued, verified = [], []
        for _ in range(runs):
            started = time.process_time()
            parameters, spread = work(get_settings(), algorithm, 0, False)
            counter = secrets.randbelow(spread)
            challenge = altcha.create_challenge(**parameters, counter=counter, hmac_secret="c", hmac_key_secret="k")
            issued.append(time.process_time() - started)
            proof = solve(challenge.to_dict())
            started = time.process_time()
            assert altcha.verify_solution(proof, "c", hmac_key_secret="k").verified
            verified.append(time.process_time() - started)
        costs[algorithm.value] = {
            "issue_ms": statistics.median(issued) * 1000,
            "verify_ms": statistics.median(verified) * 1000,
        }
    return costs


SCRYPT_RATE = """async (n) => { const pw = new Uint8Array(20), salt = new Uint8Array(16), runs = 20;
  const once = () => hashwasm.scrypt({password: pw, salt, costFactor: n, blockSize: 8, parallelism: 1, hashLength: 32,
    outputType: "hex"});
  await once(); const t = performance.now();
  for (let i = 0; i < runs; i++) { pw[0] = i; await once(); }
  return runs / ((performance.now() - t) / 1000); }"""
POLL_KINDS = {  # the reader's poll: its protection
    "scrypt": {"challenge": "proof_of_work", "proof_algorithm": "scrypt"},
    "pbkdf2": {"challenge": "proof_of_work", "proof_algorithm": "pbkdf2"},
    "none": {"challenge": "none"},
}


def _chromium(stack: LocalStack, runs: int) -> dict[str, float] | None:
    """Median seconds from clicking Vote to the thank-you in Chromium on a scrypt, a PBKDF2 and an unprotected poll;
    WebCrypto's PBKDF2 and hash-wasm's scrypt rates in a page."""
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return None
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 - only when a browser runs

    timings: dict[str, list[float]] = {kind: [] for kind in POLL_KINDS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{stack.web_url}/embed")  # a secure context (127.0.0.1): WebCrypto is there
        rate = page.evaluate(
            """async () => { const s = crypto.subtle, k = await s.importKey("raw", new Uint8Array(20), "PBKDF2",
            false, ["deriveBits"]); const t = performance.now(); await s.deriveBits({name: "PBKDF2",
            hash: "SHA-256", salt: new Uint8Array(16), iterations: 400000}, k, 256);
            return 400000 / ((performance.now() - t) / 1000); }"""
        )
        page.add_script_tag(path=str(Path(__file__).resolve().parent.parent / "web/vendor/hash-wasm-scrypt.umd.min.js"))
        scrypt_rate = page.evaluate(SCRYPT_RATE, SCRYPT_COST)
        for kind, protection in POLL_KINDS.items():
            for _ in range(runs):
                poll = _poll(stack, **protection, address_limit=None)
                context = browser.new_context()
                tab = context.new_page()
                tab.goto(f"{stack.web_url}/embed?poll={poll}")
                widget = tab.locator(f'[data-poll-id="{poll}"]')
                widget.get_by_role("radio", name="Yes").check()  # the reader clicks as soon as the form shows
                started = time.perf_counter()
                widget.get_by_role("button", name="Vote").click()
                expect(widget.get_by_role("status")).to_have_text(
                    "Thank you, your vote has been counted.", timeout=30000
                )
                timings[kind].append(time.perf_counter() - started)
                context.close()
        browser.close()
    return {
        **{f"{kind}_median": statistics.median(seconds) for kind, seconds in timings.items()},
        "webcrypto_pbkdf2_iterations_per_s": float(rate),
        "wasm_scrypt_per_s": float(scrypt_rate),
    }


def _reader_rows(office: dict[str, int], browser: dict[str, float] | None, runs: int) -> list[list[Any]]:
    """The honest readers' table: the office behind one address, and a reader's time in Chromium."""
    rows: list[list[Any]] = [
        [f"{office['readers']} readers behind one NAT address, default poll: refused", office["refused"]]
    ]
    if not browser:
        return [*rows, ["Chromium", "not available"]]
    medians = " / ".join(f"{browser[f'{kind}_median']:.2f}" for kind in POLL_KINDS)
    added = " / ".join(f"{browser[f'{kind}_median'] - browser['none_median']:.2f}" for kind in ("scrypt", "pbkdf2"))
    return [
        *rows,
        [f"reader's vote in Chromium, median of {runs}: scrypt / pbkdf2 / none (s)", medians],
        ["reader's added time: scrypt / pbkdf2 (s)", added],
    ]


def _algorithm_rows(kdf: dict[str, float], browser: dict[str, float] | None) -> list[list[str]]:
    """Each function's rate on one core here, natively and in Chromium, and a default challenge's mean cost."""
    pbkdf2_web = f"{browser['webcrypto_pbkdf2_iterations_per_s']:,.0f}" if browser else "n/a"
    scrypt_web = browser["wasm_scrypt_per_s"] if browser else 0.0
    mean_steps = SCRYPT_SPREAD / 2
    return [
        [
            "PBKDF2-SHA256, Python hashlib (OpenSSL)",
            f"{kdf['pbkdf2_iterations_per_s']:,.0f} iterations/s",
            f"{POW_SPREAD / 2 * POW_COST / kdf['pbkdf2_iterations_per_s']:.2f} s",
        ],
        ["PBKDF2-SHA256, Chromium WebCrypto", f"{pbkdf2_web} iterations/s", "(the reader, in a Web Worker)"],
        ["scrypt N=1024 r=8, Python hashlib", f"{kdf['scrypt_n1024_per_s']:,.0f}/s", ""],
        [
            f"scrypt N={SCRYPT_COST} r=8 (the default), Python hashlib",
            f"{kdf[f'scrypt_n{SCRYPT_COST}_per_s']:,.1f}/s",
            f"{mean_steps / kdf[f'scrypt_n{SCRYPT_COST}_per_s']:.2f} s",
        ],
        [
            f"scrypt N={SCRYPT_COST} r=8 (the default), Chromium hash-wasm 4.13.0 (WebAssembly)",
            f"{scrypt_web:,.1f}/s" if browser else "n/a",
            f"{mean_steps / scrypt_web:.2f} s (the reader, in a Web Worker)" if browser else "",
        ],
        ["scrypt N=16384 r=8, Python hashlib", f"{kdf['scrypt_n16384_per_s']:,.1f}/s", ""],
    ]


# Published RTX 4090 rates (BENCHMARKS.md cites them): hashcat's scrypt (mode 8900: N=16384, r=8, p=1) at 5,703 H/s
# (hashcat PR #3950, 2024), taken as linear in N; PBKDF2-HMAC-SHA256 about 9e9 iterations/s (tobtu.com's minimum
# settings: 600,000 iterations for 10 kH/s on a "GPU" of 1/1.5 RTX 4090). Stated prices: an RTX 4090 rented at
# $0.34/h (a GPU marketplace's community price); a cloud core at $0.0513/h (AWS c7a.large, 2 cores, us-east-1).
GPU_SCRYPT_N16384, GPU_PBKDF2_ITERATIONS = 5703.0, 9.0e9
GPU_PRICE, CORE_PRICE = 0.34, 0.0513


def _gpu_rows(kdf: dict[str, float], browser: dict[str, float]) -> list[list[str]]:
    """The GPU's advantage per device (over the reader's Chromium here) and per dollar (over a rented core)."""
    gpu = {"scrypt": GPU_SCRYPT_N16384 * 16384 / SCRYPT_COST, "pbkdf2": GPU_PBKDF2_ITERATIONS}
    reader = {"scrypt": browser["wasm_scrypt_per_s"], "pbkdf2": browser["webcrypto_pbkdf2_iterations_per_s"]}
    core = {"scrypt": kdf[f"scrypt_n{SCRYPT_COST}_per_s"], "pbkdf2": kdf["pbkdf2_iterations_per_s"]}
    return [
        ["RTX 4090, published (see the notes)", f"{gpu['scrypt']:,.0f}/s", f"{gpu['pbkdf2']:,.0f} iterations/s"],
        ["per device: the GPU over Chromium here", *(f"{gpu[k] / reader[k]:,.0f}x" for k in gpu)],
        [
            f"per dollar: the GPU at ${GPU_PRICE}/h over a core at ${CORE_PRICE}/h",
            *(f"{gpu[k] / GPU_PRICE / (core[k] / CORE_PRICE):,.0f}x" for k in gpu),
        ],
    ]


def run(quick: bool = False) -> list[Section]:
    """Run the drill against a fresh local stack."""
    seconds, replays, readers, runs = (1.5, 2, 3, 2) if quick else (10.0, 20, 50, 20)
    section = Section("8. Stuffing drill: scripted attackers, proofs of work and address limits")
    data: dict[str, Any] = {"cases": {}}
    with local_stack(ADMIN_TOKEN) as stack:
        rows = []
        for name, protection, addresses in CASES:
            pow_needed = protection.get("challenge", "proof_of_work") == "proof_of_work"
            limited = "address_limit" not in protection
            # A short smoke run on a busy machine may not reach the default window's 60 votes.
            window = {"address_limit": QUICK_WINDOW} if quick and limited else {}
            poll = _poll(stack, **protection, **window)
            figures = _attack(stack, poll, addresses, seconds, pow_needed)
            per_hour = _per_hour_per_address(figures, addresses, limited)
            cpu_per_vote = figures["cpu"] / figures["accepted"] if figures["accepted"] else float("inf")
            data["cases"][name] = {**figures, "per_hour_per_address": per_hour, "cpu_per_vote": cpu_per_vote}
            rows.append([name, figures["accepted"], figures["refused"], f"{per_hour:,.0f}", f"{cpu_per_vote:.3f}"])
        section.table(
            [
                "attack (4 threads, fresh voter token each vote)",
                f"accepted in {seconds:g} s",
                "refused",
                "accepted / hour / address",
                "attacker CPU-s / accepted vote",
            ],
            rows,
        )
        data["replays"] = _replays(stack, replays)
        data["office"] = _office(stack, readers)
        data["kdf"] = _kdf_rates()
        data["server"] = _server_costs(5 if quick else 20)
        data["chromium"] = _chromium(stack, runs)
    section.table(
        ["proof reuse", "votes counted"],
        [[f"{name} ({1 if name == 'first use' else replays} tries)", n] for name, n in data["replays"].items()],
    )
    section.table(["honest readers", "figure"], _reader_rows(data["office"], data["chromium"], runs))
    section.table(
        ["algorithm (one core here)", "rate", "cost of one default challenge (mean)"],
        _algorithm_rows(data["kdf"], data["chromium"]),
    )
    section.table(
        ["server work per vote (one core here, median)", "issue the challenge", "verify the proof"],
        [
            [f"{name}, the default costs", f"{cost['issue_ms']:.1f} ms", f"{cost['verify_ms']:.2f} ms"]
            for name, cost in data["server"].items()
        ],
    )
    if data["chromium"]:
        section.table(
            ["the attacker's advantage, one RTX 4090 over one reader", "scrypt (the default)", "PBKDF2-SHA256"],
            _gpu_rows(data["kdf"], data["chromium"]),
        )
    block = DEFAULT_BLOCK_LIMITS[AddressBlock.IPV4_24]
    section.notes += [
        f"Local stack (`local/api.py`: each request's source IP is its TCP peer), attackers bound to "
        f"127.0.0.2 upwards; default poll = `proof_of_work` (scrypt N={SCRYPT_COST} r=8 p=1, counter uniform in "
        f"[0, {SCRYPT_SPREAD}); a pbkdf2 poll: PBKDF2-SHA256, cost {POW_COST}, counter in [0, {POW_SPREAD})) + "
        f"{DEFAULT_ADDRESS_LIMIT.votes} votes per address per "
        f"{DEFAULT_ADDRESS_LIMIT.minutes} min and {block.votes} per /24 per {block.minutes} min.",
        "'accepted / hour / address' is the run's rate per address, capped on polls with the address limit at "
        f"its allowance ({DEFAULT_ADDRESS_LIMIT.votes * 60 // DEFAULT_ADDRESS_LIMIT.minutes} an hour: the run is "
        "shorter than a window; 'refused' shows the window binding) and at the /24's share (the attacker's "
        f"loopback addresses are one /24: {block.votes * 60 // block.minutes} an hour over all of them). "
        "Attacker CPU is the attacking threads' own "
        "CPU time (requests, JSON and solving), divided by accepted votes; refused votes' work counts too.",
        "Reader's time: from clicking Vote, as soon as the form shows, to the thank-you (the worst case: a reader "
        "who takes a few seconds to choose finds the proof already solved).",
        "Server work: `altcha.create_challenge` with the poll's costs (it derives the key once, knowing the secret "
        "counter) and `altcha.verify_solution` (one HMAC of the derived key), process CPU time on one core here. "
        "The API's Lambda has 512 MB, about 0.29 of a vCPU: the issue takes about 3.5 times as long there.",
        "GPU: published RTX 4090 figures, hashcat's scrypt (mode 8900, N=16384 r=8 p=1) at "
        f"{GPU_SCRYPT_N16384:,.0f} H/s (https://github.com/hashcat/hashcat/pull/3950, 2024), scaled linearly to "
        f"N={SCRYPT_COST}; PBKDF2-HMAC-SHA256 at about {GPU_PBKDF2_ITERATIONS:.1e} iterations/s (from "
        "https://tobtu.com/minimum-password-settings/, 2022: 600,000 iterations for 10 kH/s on 1/1.5 of an RTX "
        "4090). scrypt on a GPU is bounded by memory bandwidth: that page's bound (RX 7900 XTX, 960 GB/s) allows "
        "about 8 times hashcat's scrypt rate to a better kernel. Per dollar compares the GPU with a rented core "
        "(Python's hashlib rate here), at the prices stated in bench/stuffing.py.",
    ]
    section.data = data
    return [section]
