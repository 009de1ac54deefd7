# sam build (Metadata: BuildMethod: makefile) runs `make build-<LogicalId>` once per function,
# one after the other, with ARTIFACTS_DIR set to the directory it zips for that function.
# samconfig.toml turns on build_in_source, so make runs here, in the repository: SAM copies
# nothing into a scratch directory first (without it, it copies the whole project, every
# target/ and .local/ included, once per function).
#
# SAM's built-in Maven builder cannot build one module of a multi-module project, so the
# first target builds every function module in a single Maven run (shared, schema and each
# function once) and touches a stamp; the next targets find the stamp newer than every main
# source, pom and migration and only unpack their module's shaded function.jar into
# ARTIFACTS_DIR (with the JDK's jar tool: no unzip needed). Tests are not compiled or run
# here: run ./mvnw verify first.
#
# Do not run `sam build --parallel`: the targets share the stamp and the target/ directories.

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
MVNW := $(ROOT)/mvnw -B -q -f $(ROOT)/pom.xml

# the function modules, in template order
FUNCTIONS := provision-number list-numbers release-number reconcile stripe-webhook wallet \
	stripe-webhook-endpoint database-migration authorizer
comma := ,
empty :=
space := $(empty) $(empty)
MODULES := $(subst $(space),$(comma),$(addprefix functions/,$(FUNCTIONS)))
JARS := $(foreach f,$(FUNCTIONS),$(ROOT)/functions/$(f)/target/function.jar)

# what the deployables are made of: main sources, resources (the migrations) and poms
SOURCES := $(shell find $(ROOT)/pom.xml $(ROOT)/shared $(ROOT)/schema $(ROOT)/functions \
	\( -name target -o -name test \) -prune -o -type f -print)
STAMP := $(ROOT)/target/sam-build.stamp

.PHONY: build-ProvisionNumberFunction build-ListNumbersFunction build-ReleaseNumberFunction \
	build-ReconcileFunction build-StripeWebhookFunction build-WalletFunction \
	build-StripeWebhookEndpointFunction build-DatabaseMigrationFunction build-AuthorizerFunction artifacts-dir lint FORCE

# every function module in one Maven run; again only when a source changed or a jar is missing
$(STAMP): $(SOURCES) $(if $(filter-out $(wildcard $(JARS)),$(JARS)),FORCE)
	$(MVNW) -pl $(MODULES) -am package -Dmaven.test.skip=true
	mkdir -p $(dir $@)
	touch $@

artifacts-dir:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (run through sam build)" >&2; exit 1; }

define package_function
	mkdir -p "$(ARTIFACTS_DIR)"
	cd "$(ARTIFACTS_DIR)" && jar xf "$(ROOT)/functions/$(1)/target/function.jar"
endef

build-ProvisionNumberFunction: artifacts-dir $(STAMP)
	$(call package_function,provision-number)

build-ListNumbersFunction: artifacts-dir $(STAMP)
	$(call package_function,list-numbers)

build-ReleaseNumberFunction: artifacts-dir $(STAMP)
	$(call package_function,release-number)

build-ReconcileFunction: artifacts-dir $(STAMP)
	$(call package_function,reconcile)

build-StripeWebhookFunction: artifacts-dir $(STAMP)
	$(call package_function,stripe-webhook)

build-WalletFunction: artifacts-dir $(STAMP)
	$(call package_function,wallet)

build-StripeWebhookEndpointFunction: artifacts-dir $(STAMP)
	$(call package_function,stripe-webhook-endpoint)

build-DatabaseMigrationFunction: artifacts-dir $(STAMP)
	$(call package_function,database-migration)

build-AuthorizerFunction: artifacts-dir $(STAMP)
	$(call package_function,authorizer)

FORCE:

# the template's static checks (the template test runs with ./mvnw verify)
lint:
	cfn-lint $(ROOT)/template.yaml
