// Command phystack-api serves the managed tenants API and runs its chores:
//
//	phystack-api serve [--demo] [--migrate=true]
//	phystack-api migrate
//	phystack-api seed --demo
//	phystack-api seed --bench [--tenants N --spaces S --devices D --installations I]
//	phystack-api token create --email E [--ttl 720h] [--label L]
//
// The environment configures it (internal/config): DATABASE_URL chooses the
// store (postgres://... or unset for the embedded SQLite file phystack.db),
// ADDR the listen address (default :8080), DEBUG=1 adds each response's SQL
// statement count to its extensions; the README lists the rest.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/config"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(context.Background(), os.Args[1:], log); err != nil {
		fmt.Fprintln(os.Stderr, "phystack-api:", err)
		os.Exit(1)
	}
}

// run runs the command that args (the arguments after the program's name)
// name.
func run(ctx context.Context, args []string, log *slog.Logger) error {
	root := newCommand(log)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// newCommand is the command line: a new tree per run, since cobra keeps
// parsed flags in it.
func newCommand(log *slog.Logger) *cobra.Command {
	root := &cobra.Command{
		Use:   "phystack-api",
		Short: "The Phystack managed tenants API",
		Long: "The Phystack managed tenants API and its chores.\n\n" +
			"environment: DATABASE_URL (postgres://... ; unset = SQLite file phystack.db), ADDR (default :8080);\n" +
			"the README's configuration table lists the rest.",
		SilenceErrors:     true, // main prints them
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		// Usage for mistakes in the command line, not when a command fails.
		PersistentPreRun: func(cmd *cobra.Command, _ []string) { cmd.SilenceUsage = true },
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Usage()
			return errors.New("no command")
		},
	}

	var demo, migrate bool
	serveCmd := &cobra.Command{
		Use:   "serve",
		Short: "run the HTTP server (migrates first by default; --demo also loads the demo world and prints tokens)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), log, migrate, demo)
		},
	}
	serveCmd.Flags().BoolVar(&demo, "demo", false, "load the demo world and print its tokens")
	serveCmd.Flags().BoolVar(&migrate, "migrate", true, "migrate the database before serving")

	migrateCmd := &cobra.Command{
		Use:   "migrate",
		Short: "bring the database to the current schema",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openMigrated(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintln(cmd.ErrOrStderr(), "migrated")
			return nil
		},
	}

	var bench bool
	var shape seed.BenchShape
	seedCmd := &cobra.Command{
		Use:   "seed",
		Short: "load the demo world (--demo) or one partner with a large tree (--bench); prints JSON",
		Long: "seed --demo loads the demo world and prints {\"tokens\": {...}};\n" +
			"seed --bench [--tenants N --spaces S --devices D --installations I] builds one partner\n" +
			"with a large tree, for load tests, and prints {\"partnerId\", \"tokens\"}.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demo == bench {
				return errors.New("seed: say what to load: --demo or --bench")
			}
			return loadSeed(cmd.Context(), cmd.OutOrStdout(), bench, shape)
		},
	}
	seedCmd.Flags().BoolVar(&demo, "demo", false, "load the demo world")
	seedCmd.Flags().BoolVar(&bench, "bench", false, "build one partner with a large tree, for load tests")
	seedCmd.Flags().IntVar(&shape.Tenants, "tenants", 1000, "with --bench: managed tenants")
	seedCmd.Flags().IntVar(&shape.Spaces, "spaces", 5, "with --bench: spaces per tenant")
	seedCmd.Flags().IntVar(&shape.Devices, "devices", 4, "with --bench: devices per space")
	seedCmd.Flags().IntVar(&shape.Installations, "installations", 2, "with --bench: installations per device")

	tokenCmd := &cobra.Command{
		Use:   "token",
		Short: "bearer tokens: token create --email E [--ttl D]",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("usage: token create --email E [--ttl D]")
		},
	}
	var email, label string
	var ttl time.Duration
	createCmd := &cobra.Command{
		Use:   "create",
		Short: "mint a bearer token for a user",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return errors.New("token create: --email is required")
			}
			return createToken(cmd.Context(), cmd.OutOrStdout(), email, label, ttl)
		},
	}
	createCmd.Flags().StringVar(&email, "email", "", "the user's email")
	createCmd.Flags().DurationVar(&ttl, "ttl", auth.DefaultTTL, "lifetime of the token")
	createCmd.Flags().StringVar(&label, "label", "ops", "a note stored with the token")
	tokenCmd.AddCommand(createCmd)

	root.AddCommand(serveCmd, migrateCmd, seedCmd, tokenCmd)
	return root
}

func openMigrated(ctx context.Context) (*store.Store, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// loadSeed loads the demo world, or with bench one partner of shape, and
// writes what it made to out as JSON.
func loadSeed(ctx context.Context, out io.Writer, bench bool, shape seed.BenchShape) error {
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if bench {
		b, err := seed.LoadBench(ctx, st.Client, shape)
		if err != nil {
			return err
		}
		if err := st.Vacuum(ctx); err != nil {
			return err
		}
		return json.NewEncoder(out).Encode(b)
	}
	d, err := seed.LoadDemo(ctx, st.Client, auth.DefaultTTL)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(d)
}

// createToken mints a token for the user of email and writes it to out.
func createToken(ctx context.Context, out io.Writer, email, label string, ttl time.Duration) error {
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.Client.User.Query().Where(user.Email(strings.ToLower(strings.TrimSpace(email)))).
		Only(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return fmt.Errorf("token create: no user with email %q", email)
	}
	if err != nil {
		return err
	}
	tok, err := auth.Issue(ctx, st.Client, u.ID, label, ttl, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
