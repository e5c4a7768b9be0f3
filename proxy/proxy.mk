# proxy/proxy.mk - the berth-proxy container image (included by Makefile).
#
#   make proxy-image                builds $(B)/proxy-image/berth-proxy.tar, a
#                                   docker-archive `docker load` accepts, and
#                                   loads it if a docker daemon answers
#   make proxy-image DOCKER=        only the tarball
#
# The image is FROM scratch, assembled here without any registry: a rootfs
# directory, one layer tar, and the config + manifest written by hand. It
# mirrors kamal-proxy's image: the binary at /usr/local/bin under both
# names (kamal-proxy is a hard link, so Kamal's `docker exec kamal-proxy
# kamal-proxy deploy ...` works), CA certificates, a kamal-proxy user with
# its config directory, ports 80/443, CMD ["kamal-proxy", "run"], and
# the label org.opencontainers.image.title=kamal-proxy that Kamal's proxy
# remove prunes images by.
#
# Static linking: Debian ships libssl.a, libcrypto.a and libnghttp2.a but
# no libcjson.a. So we first try -static and, when that cannot link, put
# the ordinary binary in the image (OpenSSL and nghttp2 linked in, see
# PROXY_STATIC_TLS in the Makefile) together with exactly the shared
# objects ldd names: libcjson, libc and the loader. Either way nothing else
# is in the image. PROXY_STATIC=0 skips the attempt.

# Tagged as the kamal-proxy release it speaks (cli/proxy.h: BERTH_PROXY_IMAGE).
PROXY_IMAGE_TAG ?= berth-proxy:v0.9.2
PROXY_STATIC ?= 1
DOCKER ?= docker
PROXY_IMG = $(B)/proxy-image
PROXY_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
PROXY_STATIC_LIBS = $(shell pkg-config --static --libs libcjson openssl libnghttp2 2>/dev/null) -lpthread -lm

# The binary that goes in the image: static if it links, else dynamic.
$(PROXY_IMG)/berth-proxy: $(B)/obj/proxy/main.o $(B)/libberthproxy.a $(B)/libberth.a $(B)/berth-proxy
	@mkdir -p $(PROXY_IMG)
	@rm -f $@ $(PROXY_IMG)/linkage
	@if [ "$(PROXY_STATIC)" = 1 ] && \
	   $(CC) $(LDFLAGS) -static -o $@ $(B)/obj/proxy/main.o $(B)/libberthproxy.a \
		$(B)/libberth.a $(PROXY_STATIC_LIBS) 2>$(PROXY_IMG)/static-link.log; then \
		echo static >$(PROXY_IMG)/linkage; \
		echo "proxy-image: berth-proxy linked statically"; \
	else \
		cp $(B)/berth-proxy $@ && echo dynamic >$(PROXY_IMG)/linkage; \
		echo "proxy-image: -static does not link here (see $(PROXY_IMG)/static-link.log);" \
		     "bundling the shared objects ldd lists"; \
	fi

# rootfs/ then layer.tar: owners are set in the archive, so no root needed.
# berth-proxy-acme (automatic TLS) ships beside the daemon, dynamically
# linked: it needs libcurl, which has no static archive here.
$(PROXY_IMG)/layer.tar: $(PROXY_IMG)/berth-proxy $(B)/berth-proxy-acme proxy/proxy.mk
	@set -e; r=$(PROXY_IMG)/rootfs; rm -rf $$r; \
	mkdir -p $$r/usr/local/bin $$r/etc/ssl/certs $$r/tmp \
		$$r/home/kamal-proxy/.config/kamal-proxy; \
	cp $(PROXY_IMG)/berth-proxy $$r/usr/local/bin/berth-proxy; \
	ln $$r/usr/local/bin/berth-proxy $$r/usr/local/bin/kamal-proxy; \
	cp $(B)/berth-proxy-acme $$r/usr/local/bin/berth-proxy-acme; \
	cp $(PROXY_CA_BUNDLE) $$r/etc/ssl/certs/ca-certificates.crt; \
	printf 'root:x:0:0:root:/:/nonexistent\nkamal-proxy:x:1000:1000::/home/kamal-proxy:/nonexistent\n' >$$r/etc/passwd; \
	printf 'root:x:0:\nkamal-proxy:x:1000:\n' >$$r/etc/group; \
	bins=$(B)/berth-proxy-acme; \
	[ "$$(cat $(PROXY_IMG)/linkage)" = dynamic ] && bins="$$bins $(PROXY_IMG)/berth-proxy"; \
	for so in $$(for b in $$bins; do ldd $$b; done | grep -o '/[^ ]*' | sort -u); do \
		mkdir -p $$r$$(dirname $$so); cp -L $$so $$r$$so; \
	done; \
	chmod 1777 $$r/tmp; \
	tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
		--exclude=./home/kamal-proxy -C $$r -cf $@ .; \
	tar --mtime=@0 --numeric-owner --owner=1000 --group=1000 -C $$r \
		-rf $@ ./home/kamal-proxy
	@echo "proxy-image: layer $$(du -h $@ | cut -f1)"

# docker-archive: manifest.json + <config>.json + <layer-digest>/layer.tar.
$(PROXY_IMG)/berth-proxy.tar: $(PROXY_IMG)/layer.tar
	@set -e; d=$(PROXY_IMG)/archive; rm -rf $$d; mkdir -p $$d; \
	layer=$$(sha256sum $(PROXY_IMG)/layer.tar | cut -d' ' -f1); \
	mkdir $$d/$$layer; cp $(PROXY_IMG)/layer.tar $$d/$$layer/layer.tar; \
	printf '%s' '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",' \
		'"config":{"User":"kamal-proxy:kamal-proxy","Env":["PATH=/usr/local/bin:/usr/bin:/bin"],' \
		'"Cmd":["kamal-proxy","run"],"WorkingDir":"/home/kamal-proxy",' \
		'"Labels":{"org.opencontainers.image.title":"kamal-proxy","org.opencontainers.image.vendor":"berth"},' \
		'"ExposedPorts":{"80/tcp":{},"443/tcp":{}}},' \
		'"rootfs":{"type":"layers","diff_ids":["sha256:'$$layer'"]},' \
		'"history":[{"created":"1970-01-01T00:00:00Z","created_by":"berth proxy/proxy.mk"}]}' \
		>$$d/config.json; \
	cfg=$$(sha256sum $$d/config.json | cut -d' ' -f1); mv $$d/config.json $$d/$$cfg.json; \
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' \
		$$cfg $(PROXY_IMAGE_TAG) $$layer >$$d/manifest.json; \
	tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C $$d -cf $@ .
	@echo "proxy-image: $@ ($(PROXY_IMAGE_TAG), $$(cat $(PROXY_IMG)/linkage) binary)"

proxy-image: $(PROXY_IMG)/berth-proxy.tar
	@if [ -n "$(DOCKER)" ] && $(DOCKER) info >/dev/null 2>&1; then \
		$(DOCKER) load -i $(PROXY_IMG)/berth-proxy.tar; \
	else \
		echo "proxy-image: no docker daemon; load it with: docker load -i $(PROXY_IMG)/berth-proxy.tar"; \
	fi

.PHONY: proxy-image
