"""Draw throughput and p99 latency per endpoint and variant, from a results document."""

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch

COLORS = {
    "raw": "#4c72b0",
    "httpx": "#8172b3",
    "baked-bare": "#64b5cd",
    "baked": "#dd8452",
    "baked-granian": "#f2b880",
    "naive": "#55a868",
    "naive-granian": "#8fd19e",
    "sync": "#c44e52",
    "sync-pool40": "#937860",
}
STALLED_COLOR = "#b00020"
GROUP_WIDTH = 0.85  # of the space between two endpoints, shared by their bars


def draw_chart(document: dict[str, Any], path: Path) -> None:
    groups = group_cells(document["cells"])
    figure, (throughput, latency) = plt.subplots(2, 1, figsize=(15, 8.5), sharex=True)
    draw_panel(throughput, groups, "ok_per_second", "requests/s (median, log scale)")
    draw_panel(latency, groups, "p99_ms", "p99 latency, ms (median, log scale)")
    latency.set_xticks(range(len(groups)), list(groups), fontsize=9)
    handles = [Patch(color=color) for color in COLORS.values()]
    figure.legend(
        handles, list(COLORS), ncols=len(COLORS), loc="upper center", bbox_to_anchor=(0.5, 0.955)
    )
    settings = document["settings"]
    figure.suptitle(
        "One worker per variant (uvicorn; granian for the -granian ones); "
        f"medians of {settings['rounds']} interleaved rounds "
        f"of {settings['duration_s']} s ({document['mode']} run)",
        fontsize=11,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.92))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def group_cells(cells: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The cells by endpoint and connections, in run order; the stub's own check left out."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cell in cells:
        if cell["variant"] in COLORS:
            groups[f"{cell['path']}\n{cell['connections']} conn."].append(cell)
    return dict(groups)


def draw_panel(axes: Axes, groups: dict[str, list[dict[str, Any]]], field: str, label: str) -> None:
    axes.set_yscale("log")
    axes.set_ylabel(label)
    axes.grid(axis="y", which="both", alpha=0.3)
    highest = max(cell[field] for cells in groups.values() for cell in cells)
    axes.set_ylim(top=highest * 4)  # room for the value labels
    bar_width = GROUP_WIDTH / max(len(cells) for cells in groups.values())
    for position, cells in enumerate(groups.values()):
        offsets = [(i - (len(cells) - 1) / 2) * bar_width for i in range(len(cells))]
        for offset, cell in zip(offsets, cells, strict=True):
            x = position + offset
            value = cell[field]
            if value > 0:
                axes.bar(x, value, bar_width, color=COLORS[cell["variant"]])
                axes.text(x, value, short(value), rotation=90, ha="center", va="bottom", fontsize=7)
            if cell["stalled"]:
                runs = len(cell["runs"]) + (cell["warmup"] is not None)
                axes.text(
                    x,
                    0.03,  # just above the x axis, whatever the scale
                    f"stalled {cell['stalled_runs']}/{runs}",
                    transform=axes.get_xaxis_transform(),
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=STALLED_COLOR,
                )


def short(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
