// Package loadtest holds the load and fault measurements of Custos, run on demand and never in
// every CI run: they take minutes, restart PostgreSQL and kill processes.
//
//	CUSTOS_LOAD=1 CUSTOS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -v -timeout 30m ./app/loadtest/
//
// They build the custos binary, run it as real processes on loopback, drive it with wrk and
// with Go clients, and report figures as ratios against a baseline measured in the same run.
package loadtest
