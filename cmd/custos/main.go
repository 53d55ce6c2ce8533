// Command custos runs the Custos server and its administration commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"custos/app/apperr"
)

const usage = `Custos — confidentiality training and compliance attestation.

Usage:
  custos serve [--demo]          run the web server (applies migrations first)
  custos demo                    fill the database with the demo company
  custos migrate [status]        apply pending migrations, or list them
  custos user add --email E --name N --role R [--manager EMAIL] [--department D]
                  [--locale L] [--time-zone Z] [--hired YYYY-MM-DD] [--left YYYY-MM-DD]
                  [--password-stdin]
                                 add or update one person
  custos users import FILE.csv   import people from an HR export
  custos assign                  run the assignment scheduler once
  custos courses check [DIR]     validate course, quiz and undertaking content
  custos audit verify            check the audit log and every stored signature
  custos evidence verify FILE.zip
                                 check an evidence bundle offline
  custos token create --email E [--name N]
                                 print a new API token for that person (shown once)

Configuration comes from CUSTOS_* environment variables; see README.md.
`

// errUsage marks a mistake in how the command was called: exit status 2 and the usage text.
var errUsage = errors.New("usage")

// command is the environment a command runs in, so tests can run commands in-process.
type command struct {
	args   []string
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	ctx    context.Context
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(command{args: os.Args[1:], getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, ctx: ctx}))
}

// run executes one command and returns the exit status: 0 success, 1 failure with one line on
// standard error, 2 wrong usage.
func run(cmd command) int {
	err := dispatch(cmd)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		if msg := strings.TrimPrefix(err.Error(), errUsage.Error()); msg != "" {
			fmt.Fprintln(cmd.stderr, "custos:"+strings.TrimPrefix(msg, ":"))
		}
		fmt.Fprint(cmd.stderr, usage)
		return 2
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(cmd.stdout, usage)
		return 0
	default:
		fmt.Fprintln(cmd.stderr, "custos: "+oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func dispatch(cmd command) error {
	if len(cmd.args) == 0 {
		return errUsage
	}
	name, rest := cmd.args[0], cmd.args[1:]
	switch name {
	case "serve":
		return serve(cmd, rest)
	case "demo":
		return demoCmd(cmd, rest)
	case "migrate":
		return migrateCmd(cmd, rest)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return usageErr("user: expected 'user add'")
		}
		return userAdd(cmd, rest[1:])
	case "users":
		if len(rest) == 0 || rest[0] != "import" {
			return usageErr("users: expected 'users import FILE.csv'")
		}
		return usersImport(cmd, rest[1:])
	case "evidence":
		if len(rest) != 2 || rest[0] != "verify" {
			return usageErr("evidence: expected 'evidence verify FILE.zip'")
		}
		return evidenceVerify(cmd, rest[1])
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return usageErr("token: expected 'token create --email E'")
		}
		return tokenCreate(cmd, rest[1:])
	case "assign":
		if len(rest) > 0 {
			return usageErr("assign takes no arguments")
		}
		return assign(cmd)
	case "courses":
		if len(rest) == 0 || rest[0] != "check" || len(rest) > 2 {
			return usageErr("courses: expected 'courses check [DIR]'")
		}
		return coursesCheck(cmd, rest[1:])
	case "audit":
		if len(rest) != 1 || rest[0] != "verify" {
			return usageErr("audit: expected 'audit verify'")
		}
		return auditVerify(cmd)
	case "help", "-h", "--help":
		return flag.ErrHelp
	}
	return usageErr("unknown command %q", name)
}

// flags parses a command's flags, turning mistakes into usage errors.
func flags(name string, args []string, define func(*flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageErr("%s: %v", name, err)
	}
	return fs, nil
}

func logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// apperrMessage translates an error a person can act on into English for the terminal.
func apperrMessage(err error, tmap func(string, map[string]any) string) (string, bool) {
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		return tmap(e.Key, e.Args), true
	}
	return "", false
}
