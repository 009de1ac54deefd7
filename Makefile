# sam build (Metadata: BuildMethod: makefile) runs `make build-<LogicalId>` with ARTIFACTS_DIR set.
# SAM's built-in Maven builder cannot build one module of a multi-module project, so each target
# builds its module (and the modules it needs, -am) with the wrapper and unpacks the shaded
# function.jar into the artifacts directory (with the JDK's jar tool: no unzip needed), so the zip
# SAM uploads holds exactly that jar's content.
#
# Do not run `sam build --parallel`: the targets share the repository's target/ directories.

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
MVNW := $(ROOT)/mvnw -B -q -f $(ROOT)/pom.xml

define package_function
	$(MVNW) -pl functions/$(1) -am package -DskipTests
	test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (run through sam build)" >&2; exit 1; }
	mkdir -p "$(ARTIFACTS_DIR)"
	cd "$(ARTIFACTS_DIR)" && jar xf "$(ROOT)/functions/$(1)/target/function.jar"
endef

.PHONY: build-ProvisionNumberFunction build-ListNumbersFunction build-ReleaseNumberFunction \
	build-ReconcileFunction build-StripeWebhookFunction build-WalletFunction \
	build-StripeWebhookEndpointFunction build-DatabaseMigrationFunction lint

build-ProvisionNumberFunction:
	$(call package_function,provision-number)

build-ListNumbersFunction:
	$(call package_function,list-numbers)

build-ReleaseNumberFunction:
	$(call package_function,release-number)

build-ReconcileFunction:
	$(call package_function,reconcile)

build-StripeWebhookFunction:
	$(call package_function,stripe-webhook)

build-WalletFunction:
	$(call package_function,wallet)

build-StripeWebhookEndpointFunction:
	$(call package_function,stripe-webhook-endpoint)

build-DatabaseMigrationFunction:
	$(call package_function,database-migration)

# the template's static checks (the template test runs with ./mvnw verify)
lint:
	cfn-lint $(ROOT)/template.yaml
