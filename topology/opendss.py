"""Compile an OpenDSS feeder model with the DSS C-API engine (opendssdirect.py) and read what the
network model needs from it: lines, transformers, protective devices, loads and bus coordinates.

The model is compiled from a temporary copy of its folder: some models write files into their
data path (EPRI ckt24's regulator trace) and the fixtures' folder is read-only in CI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import opendssdirect as dss
from dss import DSSException

# OpenDSS error "Redirect file not found": tolerated inside a --redirect file only (study scripts
# such as IEEE 8500's Run_RecloserSiting.DSS name files that the model folder does not hold).
REDIRECT_NOT_FOUND = 243


class ModelError(Exception):
    """The model cannot be read: OpenDSS's own message, or a missing file."""


@dataclass
class RawLine:
    name: str
    bus1: str
    bus2: str
    switch: bool
    enabled: bool
    open: bool
    phases: int = 3


@dataclass
class RawTransformer:
    name: str
    buses: list[str]
    kvs: list[float]


@dataclass
class RawModel:
    circuit: str
    source_bus: str
    lines: list[RawLine] = field(default_factory=list)
    transformers: list[RawTransformer] = field(default_factory=list)
    reactors: list[tuple[str, str, str]] = field(default_factory=list)  # name, bus1, bus2
    protection: list[tuple[str, str, str]] = field(default_factory=list)  # kind, name, line
    loads: list[tuple[str, str]] = field(default_factory=list)  # name, bus
    kv_base: dict[str, float] = field(default_factory=dict)  # bus → line-to-neutral kV
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)  # bus → (x, y)
    warnings: list[str] = field(default_factory=list)


def bus_of(terminal: str) -> str:
    """`'n1.1.2'` → `'n1'`: the bus without its phase suffix, lower case as OpenDSS compares."""
    return terminal.split(".", 1)[0].lower()


def _copy_model(master: Path, redirects: list[Path], workdir: Path) -> tuple[Path, list[Path]]:
    """Copy the master's folder (and each redirect's folder) under `workdir`; return the copies'
    paths. Mixed-case file names get a lower-case alias: the models were written on Windows,
    where `Compile (master.dss)` finds `Master.dss`."""
    copies: dict[Path, Path] = {}

    def copied(path: Path) -> Path:
        folder = path.parent.resolve()
        if folder not in copies:
            target = workdir / f"model{len(copies)}"
            shutil.copytree(folder, target, symlinks=False)
            for file in list(target.rglob("*")):
                alias = file.with_name(file.name.lower())
                if file.is_file() and not alias.exists():
                    alias.symlink_to(file.name)
            copies[folder] = target
        return copies[folder] / path.name

    return copied(master), [copied(path) for path in redirects]


def _command(text: str) -> None:
    dss.Text.Command(text)


def _each(cls: str) -> list[str]:
    """Every element of a class, disabled ones included (the class iterators skip those)."""
    dss.Circuit.SetActiveClass(cls)
    return [name.lower() for name in dss.ActiveClass.AllNames()]


def _read(raw: RawModel) -> None:
    for name in _each("Line"):
        dss.Circuit.SetActiveElement(f"Line.{name}")
        enabled = dss.CktElement.Enabled()
        is_open = enabled and any(dss.CktElement.IsOpen(t, 0) for t in (1, 2))
        dss.Lines.Name(name)
        raw.lines.append(
            RawLine(
                name,
                bus_of(dss.Lines.Bus1()),
                bus_of(dss.Lines.Bus2()),
                bool(dss.Lines.IsSwitch()),
                bool(enabled),
                bool(is_open),
                dss.Lines.Phases(),
            )
        )
    for name in _each("Transformer"):
        dss.Circuit.SetActiveElement(f"Transformer.{name}")
        if not dss.CktElement.Enabled():
            continue
        dss.Transformers.Name(name)
        kvs = []
        for winding in range(1, dss.Transformers.NumWindings() + 1):
            dss.Transformers.Wdg(winding)
            kvs.append(dss.Transformers.kV())
        raw.transformers.append(
            RawTransformer(name, [bus_of(b) for b in dss.CktElement.BusNames()], kvs)
        )
    for name in _each("Reactor"):
        dss.Circuit.SetActiveElement(f"Reactor.{name}")
        buses = [bus_of(b) for b in dss.CktElement.BusNames()]
        if dss.CktElement.Enabled() and len(buses) == 2 and buses[0] != buses[1]:
            raw.reactors.append((name, buses[0], buses[1]))
    for kind, api in (("fuse", dss.Fuses), ("recloser", dss.Reclosers), ("relay", dss.Relays)):
        index = api.First()
        while index:
            monitored = api.MonitoredObj().lower()
            if monitored.startswith("line."):
                raw.protection.append((kind, api.Name().lower(), monitored[5:]))
            else:
                raw.warnings.append(f"{kind} {api.Name()} monitors {monitored}, not a line")
            index = api.Next()
    for name in _each("Load"):
        dss.Circuit.SetActiveElement(f"Load.{name}")
        if dss.CktElement.Enabled():
            raw.loads.append((name, bus_of(dss.CktElement.BusNames()[0])))
    for bus in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(bus)
        raw.kv_base[bus.lower()] = dss.Bus.kVBase()
        if dss.Bus.Coorddefined():
            raw.coords[bus.lower()] = (dss.Bus.X(), dss.Bus.Y())


def compile_model(
    master: str | Path, redirects: list[str | Path] = (), buscoords: str | Path | None = None
) -> RawModel:
    """Compile `master`, then run each redirect file after it, then read bus coordinates from
    `buscoords` if given (IEEE 123's master does not load its BusCoords.dat); read the circuit.

    Raises ModelError for a missing file or anything OpenDSS refuses (its own message)."""
    master = Path(master)
    redirect_paths = [Path(path) for path in redirects]
    coords = [Path(buscoords)] if buscoords else []
    for path in [master, *redirect_paths, *coords]:
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="oms-opendss-") as workdir:
        master_copy, redirect_copies = _copy_model(master, redirect_paths, Path(workdir))
        # OpenDSS resolves some file commands (uuids) against the working directory it moves
        # into while compiling: give it back afterwards.
        cwd = os.getcwd()
        try:
            raw = _compile(master, master_copy, redirect_paths, redirect_copies, workdir, coords)
        finally:
            os.chdir(cwd)
    return raw


def _message(exc: DSSException, workdir: str, folder: Path) -> str:
    return str(exc.args[-1]).replace(f"{workdir}/model0", str(folder))


def _compile(master, master_copy, redirect_paths, redirect_copies, workdir, coords) -> RawModel:
    dss.Basic.DataPath(workdir)
    warnings = []
    try:
        _command("clear")
        _command(f'compile "{master_copy}"')
    except DSSException as exc:
        raise ModelError(
            f"{master.name}: OpenDSS: {_message(exc, workdir, master.parent)}"
        ) from exc
    if dss.Circuit.NumBuses() == 0:
        raise ModelError(f"{master.name}: OpenDSS built no circuit from it")
    for original, copy in zip(redirect_paths, redirect_copies, strict=True):
        try:
            _command(f'redirect "{copy}"')
        except DSSException as exc:
            message = f"{original.name}: OpenDSS: {_message(exc, workdir, master.parent)}"
            if exc.args[0] != REDIRECT_NOT_FOUND:
                raise ModelError(message) from exc
            warnings.append(f"{message} (the rest of that file skipped)")
    if redirect_paths:
        _command("makebuslist")  # buses that the redirects named first
    for path in coords:  # read where it is: OpenDSS only reads it
        try:
            _command(f'buscoords "{path.resolve()}"')
        except DSSException as exc:
            raise ModelError(f"{path.name}: OpenDSS: {exc.args[-1]}") from exc
    dss.Vsources.First()
    raw = RawModel(
        circuit=dss.Circuit.Name().lower(),
        source_bus=bus_of(dss.CktElement.BusNames()[0]),
        warnings=warnings,
    )
    _read(raw)
    _command("clear")
    return raw
