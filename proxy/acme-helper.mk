# proxy/acme-helper.mk - berth-proxy-acme, the one-shot certificate fetcher
# that berth-proxy runs beside itself (see proxy/acme-helper/main.c). It is
# a separate program so the daemon never links libcurl.
all: $(B)/berth-proxy-acme
tests: $(B)/berth-proxy-acme

$(B)/berth-proxy-acme: $(B)/obj/proxy/acme-helper/main.o $(B)/obj/proxy/acme-helper/check.o $(B)/libberthproxy.a $(B)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
