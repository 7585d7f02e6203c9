"""The course's single workbook (kept apart so lesson modules can import it without cycles)."""

from ..exercises import Workbook

WORKBOOK = Workbook("regsim course", module="regsim.course")
