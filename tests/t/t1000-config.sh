#!/bin/sh
# t1000: `berth config` shows the resolved configuration, or says exactly
# where the configuration is wrong.
. "$TOP/tests/lib/test-lib.sh"

mkdir -p config
cat >config/deploy.yml <<'YML'
service: hey
image: me/hey
servers:
  web:
    - 10.0.0.1
    - 10.0.0.2
  job:
    hosts: [10.0.0.3]
    cmd: bin/jobs
registry:
  server: ghcr.io
  username: me
  password: [KAMAL_REGISTRY_PASSWORD]
builder:
  arch: amd64
require_destination: true
x-shared: &shared
  image: redis:7
accessories:
  redis:
    <<: *shared
    host: 10.0.0.3
YML
cat >config/deploy.staging.yml <<'YML'
servers:
  web: [10.1.0.1]
  job: [10.1.0.3]
logging:
  driver: json-file
YML

test_expect_success 'a destination is required when the config says so' '
	test_must_fail berth config --version=v1 2>err &&
	test_grep "config/deploy.yml:16: You must specify a destination" err
'

test_expect_success 'config prints the values Kamal derives' '
	berth config --version=v1 -d staging >out &&
	test_grep "^primary_host: \"10.1.0.1\"" out &&
	test_grep "^absolute_image: \"ghcr.io/me/hey:v1\"" out &&
	test_grep "^service_with_version: hey-v1" out &&
	test_grep "^- \"--log-driver\"" out &&
	test_grep "^    image: \"redis:7\"" out
'

test_expect_success 'roles are sorted and hosts unique, in order' '
	berth config --version=v1 -d staging --json >out.json &&
	python3 -c "import json,sys; d=json.load(open(\"out.json\")); assert d[\"roles\"]==[\"job\",\"web\"], d; assert d[\"hosts\"]==[\"10.1.0.3\",\"10.1.0.1\",\"10.0.0.3\"], d"
'

test_expect_success 'errors name file, line and key path, all in one run' '
	sed "s/server: ghcr/serverz: ghcr/; s/arch: amd64/arch: {}/" config/deploy.yml >config/deploy.bad.yml &&
	cp config/deploy.staging.yml config/deploy.bad.staging.yml &&
	test_must_fail berth -c config/deploy.bad.yml config -d staging 2>err &&
	test_grep "config/deploy.bad.yml:11: registry/serverz: unknown key" err &&
	test_grep "config/deploy.bad.yml:15: builder/arch: should be an array or a string" err
'

test_expect_success 'a missing destination file is an error naming it' '
	test_must_fail berth config -d nowhere 2>err &&
	test_grep "config/deploy.nowhere.yml: configuration file not found" err
'

test_expect_success 'Kamal 1 keys are rejected with a hint' '
	printf "traefik:\n  args: {}\n" >>config/deploy.yml &&
	test_must_fail berth config -d staging 2>err &&
	test_grep "traefik: unknown key (Kamal 2 replaced Traefik" err
'

test_done
