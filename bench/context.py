"""What one benchmark run is asked to do, and the state its phases share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.contenders import Contender, SetupContext
from bench.scenarios import SCENARIOS
from bench.server import Server, free_port

__all__ = ["Log", "Options", "RunContext", "skip_reason"]


@dataclass(frozen=True)
class Options:
    """What to run; `bench.__main__` validates these at the command line."""

    spec: Path
    root: Path  # working directory of every command (the checkout)
    out_dir: Path
    duration: float = 10.0
    warmup: float = 2.0
    connections: int = 32
    threads: int = 2
    mode: str = "full"
    prism: bool = True
    startup_sizes: tuple[int, ...] = (10, 100, 1000, 5000)
    prism_startup_sizes: tuple[int, ...] = (10, 100, 1000)
    startup_repeats: int = 3
    heavy_specs: bool = False  # synthetic operations dressed as published ones (~1.9 KB each)
    realworld: bool = True  # start-up on GitHub's REST description, ours and Prism
    realworld_timeout: float = 120.0
    proxy: bool = True  # mockserver proxy and prism proxy in front of the same upstream
    schemathesis: bool = True
    schemathesis_examples: int = 10
    profile: bool = False
    scenarios: tuple[str, ...] = field(default_factory=lambda: tuple(s.id for s in SCENARIOS))
    only: tuple[str, ...] = ()  # the parts --only asked for, to say why the others did not run

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"


Log = Callable[[str], None]


@dataclass
class RunContext:
    """State shared by the phases of one run."""

    options: Options
    log: Log
    work: Path
    static: SetupContext
    wrk: str | None
    notes: list[str] = field(default_factory=list)

    def server(self, contender: Contender, name: str, *, spec: Path | None = None) -> Server:
        port = free_port()
        return Server(
            contender.command(spec or self.options.spec, port),
            name=contender.label,
            port=port,
            ready_path=contender.base_path + contender.ready_path,
            headers={"Authorization": f"Bearer {self.static.token}"},
            log_path=self.work / "logs" / f"{contender.id}-{name}.log",
            cwd=self.options.root,
        )


def skip_reason(options: Options, switch: str) -> str:
    """Why a part of the run was left out: smoke mode, ``--only``, or its own ``--no-`` switch."""
    if options.mode == "smoke":
        return "not run (smoke mode)"
    if options.only:
        return f"not run (--only {','.join(options.only)})"
    return f"not run ({switch})"
