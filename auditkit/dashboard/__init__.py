"""The CB's dashboard (no Flask): the numbers behind each plot (figures) and their drawing
as SVG (plots). The staff UI serves them in auditkit.cb.dashboard."""
