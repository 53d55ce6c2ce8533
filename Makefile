# The test command of the README; .ci/run calls it with CUSTOS_TEST_DATABASE_URL set, so every
# database test also runs on PostgreSQL.
.PHONY: test run build

test:
	go test -race -count=1 -timeout 15m ./...

run:
	go run ./cmd/custos serve --demo

build:
	CGO_ENABLED=0 go build -o custos ./cmd/custos
