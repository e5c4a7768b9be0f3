# tests/lab/lab.mk - the multi-host lab (included by the Makefile; docs/lab.md).
#
#   make lab-up [LAB_HOSTS=N]   installs the lab's packages, then brings up
#                               N hosts (default 3), the registry and the
#                               local daemon; idempotent, adds hosts
#   make lab-down               stops and removes everything the lab made
#   make lab-status             one line per host and service
#
# LAB_HOSTS counts hosts only on make's command line: the lab's env (which
# a shell may have eval'ed) uses the same name for the list of addresses.

LAB_SH = bash tests/lab/lab.sh
LAB_N = $(if $(filter command line,$(origin LAB_HOSTS)),$(LAB_HOSTS),3)

lab-up:
	sh scripts/install-deps.sh
	$(LAB_SH) up $(LAB_N)
	@$(LAB_SH) status

lab-down:
	$(LAB_SH) down

lab-status:
	@$(LAB_SH) status

.PHONY: lab-up lab-down lab-status
