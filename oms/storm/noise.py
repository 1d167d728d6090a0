"""What the feeds send about a storm on the network, with the noise of real ones: AMI last gasps
and power-ups from the meters' changes of supply (lost, repeated, re-delivered in bursts, late,
out of order, from clocks skewed within the contract's window), last gasps from meters that
never lost power, SCADA status and voltage of telemetered devices, operators' switching, and
call-center tickets (some from customers who are not out).
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass, field

from oms.storm.faults import OUTAGE_PHASE, REPEAT_WEIGHTS, RESTORATION_PHASE, Emission


@dataclass
class Noise:
    """How noisy the feeds are (shares are of the messages, meters or customers concerned)."""

    last_gasp_share: float = 0.85  # of the reporters (ONUs, KAIFA meters) losing supply: gasp sent
    power_up_share: float = 0.9  # of the reporters regaining supply: power-up sent
    max_repeats: int = 4  # copies of one last gasp (re-deliveries or retransmissions), 1..6
    late_share: float = 0.05  # messages 2 to 30 minutes late (so out of order)
    skew_share: float = 0.05  # reporters whose clock is off, within -5 min .. +max_skew_ahead
    max_skew_ahead: float = 240.0  # s; CONTRACT §12 refuses events over 5 minutes ahead
    spurious_gasp_share: float = 0.002  # of the reporting meters still fed: a gasp anyway
    spurious_power_up_share: float = 0.5  # of those: a power-up follows (a meter reboot)
    bursts: int = 2  # re-delivery bursts per AMI provider (a consumer replaying its last N)
    burst_size: int = 40
    call_share: float = 0.1  # of the customers out a few minutes: a ticket (some call twice)
    false_call_share: float = 0.001  # of the customers not out: a ticket anyway
    scada_resend_share: float = 0.2  # SCADA gateway sends an alarm twice
    device_voltage: bool = True  # telemetered devices below an opening report loss of voltage


@dataclass
class NoiseFigures:
    spurious_gasps: set[str] = field(default_factory=set)  # meters that gasped while fed
    false_calls: set[str] = field(default_factory=set)  # customers who called while fed
    lost: Counter = field(default_factory=Counter)  # 'lg' / 'pu': transitions never reported
    skewed: dict[str, float] = field(default_factory=dict)  # reporter -> clock offset (s)
    bursts: int = 0
    late: int = 0

    def as_dict(self) -> dict:
        return {
            "spurious_gasps": len(self.spurious_gasps),
            "false_calls": len(self.false_calls),
            "lost_last_gasps": self.lost["lg"],
            "lost_power_ups": self.lost["pu"],
            "skewed_reporters": sum(1 for offset in self.skewed.values() if offset),
            "burst_redeliveries": self.bursts,
            "late": self.late,
        }


class Emitter:
    """Appends Emissions with realistic delivery: latency, lateness, skew, repeats."""

    def __init__(self, rng: random.Random, tag: str, noise: Noise):
        self.rng, self.tag, self.noise = rng, tag, noise
        self.emissions: list[Emission] = []
        self.figures = NoiseFigures()
        self._counter = 0

    def next_id(self) -> str:
        self._counter += 1
        return f"{self.tag}{self._counter:07x}"

    def emit(self, arrival, provider, kind, ref, event_time, fault, phase, event_id=None, **kw):
        e = Emission(
            arrival,
            len(self.emissions),
            provider,
            kind,
            ref,
            event_time,
            event_id or self.next_id(),
            fault,
            phase,
            variant=kw.pop("variant", None) or self.rng.randrange(1000),
            **kw,
        )
        self.emissions.append(e)
        return e

    def skew(self, reporter: str) -> float:
        """The reporter's clock offset (fixed per reporter, drawn on first use)."""
        if reporter not in self.figures.skewed:
            if self.rng.random() < self.noise.skew_share:
                self.figures.skewed[reporter] = self.rng.uniform(-300.0, self.noise.max_skew_ahead)
            else:
                self.figures.skewed[reporter] = 0.0
        return self.figures.skewed[reporter]

    def latency(self, provider: str) -> float:
        if self.rng.random() < self.noise.late_share:
            self.figures.late += 1
            return self.rng.uniform(120, 1800)
        return self.rng.uniform(30, 60) if provider == "kaifa" else self.rng.uniform(0.5, 5)

    def deliver(self, provider, kind, ref, t, fault, phase, copies=1, latest=None, skew=0.0):
        """One message (true time `t`, stamped `t + skew`), delivered `copies` times."""
        first = self.emit(t + self.latency(provider), provider, kind, ref, t + skew, fault, phase)
        for k in range(1, copies):
            resend = t + k * self.rng.uniform(120, 240)
            if self.rng.random() < 0.5 and resend < min(t + 1200, latest or math.inf):
                arrival = resend + self.latency(provider)
                self.emit(arrival, provider, kind, ref, resend + skew, fault, phase)
            else:
                arrival = first.arrival + self.rng.uniform(5, 1200)
                self.emit(
                    arrival, provider, kind, ref, first.event_time, fault, phase,
                    event_id=first.event_id, redelivery=True,
                )  # fmt: skip

    def repeats(self) -> int:
        if not hasattr(self, "_repeat_choices"):
            choices = [n for n in REPEAT_WEIGHTS if n <= self.noise.max_repeats] or [1]
            weights = [REPEAT_WEIGHTS.get(n, 1) for n in choices]
            self._repeat_choices = (choices, list(itertools.accumulate(weights)))
        choices, cumulative = self._repeat_choices
        return self.rng.choices(choices, cum_weights=cumulative)[0]

    def ami(self, reporter, provider, ref, state, t, fault, latest=None, blip=False):
        """A reporter's gasp (`state` off) or power-up (on), unless the message is lost."""
        noise = self.noise
        share = noise.last_gasp_share if state == "off" else noise.power_up_share
        kind = "lg" if state == "off" else "pu"
        if self.rng.random() >= share:
            self.figures.lost[kind] += 1
            return
        if state == "off":  # the meter stamps its dying gasp as its supply goes
            when = t + self.rng.uniform(0.01, 0.2)
            copies = self.repeats()
            phase = OUTAGE_PHASE
        else:
            when = t + self.rng.uniform(1.0, 15.0 if blip else 60.0)
            if latest is not None and when >= latest:
                # A meter stamps its power-up while it has supply: one that lost it again
                # (a cold load pickup, a trip on the re-energizing reclose) before its usual
                # delay stamps it between the two.
                when = t + (latest - t) / 2
            copies = self.rng.choice((1, 1, 2))
            phase = RESTORATION_PHASE
        self.deliver(provider, kind, ref, when, fault, phase, copies, latest, self.skew(reporter))

    def scada(self, kind, ref, t, fault, phase):
        e = self.emit(t + self.rng.uniform(0.5, 3.0), "scada", kind, ref, t, fault, phase)
        if self.rng.random() < self.noise.scada_resend_share:
            self.emit(
                e.arrival + self.rng.uniform(1, 30), "scada", kind, ref, t, fault, phase,
                event_id=e.event_id, redelivery=True,
            )  # fmt: skip

    def ticket(self, meter, t, fault, phase=OUTAGE_PHASE):
        e = self.emit(
            t + self.rng.uniform(0.2, 2.0), "call_center", "ticket", meter, t, fault, phase
        )
        if self.rng.random() < 0.05:
            self.emit(
                e.arrival + self.rng.uniform(1, 60), "call_center", "ticket", meter, t, fault,
                phase, event_id=e.event_id, redelivery=True,
            )  # fmt: skip

    def operate(self, device, action, t, fault):
        self.emit(t, "operate", action, device, t, fault, RESTORATION_PHASE)

    def bursts(self, providers=("onu", "kaifa")) -> None:
        """Each AMI provider replays its last `burst_size` messages `bursts` times (a consumer
        restarted from an old offset): same natural keys, arriving together."""
        for provider in providers:
            sent = sorted(
                (e for e in self.emissions if e.provider == provider and not e.redelivery),
                key=lambda e: e.arrival,
            )
            if len(sent) < 2:
                continue
            for _ in range(self.noise.bursts):
                end = self.rng.randrange(min(self.noise.burst_size, len(sent) - 1), len(sent))
                replay = sent[max(0, end - self.noise.burst_size) : end]
                at = sent[end].arrival
                for e in replay:
                    self.emit(
                        at + self.rng.uniform(0.0, 3.0), e.provider, e.kind, e.ref, e.event_time,
                        e.fault, e.phase, event_id=e.event_id, redelivery=True,
                        variant=e.variant,
                    )  # fmt: skip
                    self.figures.bursts += 1
