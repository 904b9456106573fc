"""Plain-text tables for reproductions and CLI reports (Markdown pipe tables)."""


def markdown_table(header: list[str], rows: list[list]) -> str:
    """Rows under a header, columns padded; floats keep the text the caller formatted."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])
