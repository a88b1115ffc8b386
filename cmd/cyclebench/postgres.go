package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"syndicate/internal/benchrun"
)

// pgCluster is a PostgreSQL cluster of the benchmark's own: initdb'd into
// the work directory and reached only through a socket there, so that
// its CPU and memory are measured alone and the machine's own server is
// not touched.
//
// Its settings are PostgreSQL's defaults (shared_buffers 128MB, fsync and
// synchronous_commit on): how Miniflux runs when installed as its
// documentation says. Turning durability off would make every commit of
// a refresh cheaper than any deployment would run it; the comparison is
// with Miniflux as deployed, not with a tuned-down database. (The Redis
// that Syndicate is measured with keeps nothing on disk; that difference
// is the stores', and is reported with the figures.)
type pgCluster struct {
	proc *benchrun.Proc // the postmaster
	bin  string         // directory of initdb, postgres, psql
	sock string         // directory of its Unix socket
	port string         // names the socket; no TCP listener
}

// pgBinDir finds initdb: on PATH, else the newest of Debian's
// /usr/lib/postgresql/N/bin, which are not on PATH. An initdb on PATH may
// be a link to one of those, alone of its siblings (pg_isready, psql):
// the directory is the one it links to.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return pgMajor(a) - pgMajor(b) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("cyclebench: postgres: no initdb on PATH nor in /usr/lib/postgresql/*/bin")
}

// pgMajor is N of /usr/lib/postgresql/N/bin, 0 when not a number, so
// that 15 sorts after 9.6.
func pgMajor(dir string) int {
	n, _ := strconv.Atoi(strings.SplitN(filepath.Base(filepath.Dir(dir)), ".", 2)[0])
	return n
}

// pgCredential is who the cluster runs as. PostgreSQL refuses to run as
// root, so as root it runs as the postgres system user, set on the child
// itself (no runuser or sudo in between, so the child's pid is the
// postmaster's); otherwise as the benchmark's own user.
func pgCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("cyclebench: postgres: running as root needs a postgres system user: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("cyclebench: postgres: user postgres has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// startPostgres initdb's a cluster into dir/data and starts it with its
// socket in dir, logging to dir/postgres.log. dir must not exist yet,
// and lies under the work directory work.
func startPostgres(dir, work string) (*pgCluster, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := pgCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cyclebench: postgres: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("cyclebench: postgres: %w", err)
		}
		if err := letOthersThrough(filepath.Dir(dir), work); err != nil {
			return nil, err
		}
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, fmt.Errorf("cyclebench: postgres: %w", err)
	}
	defer logf.Close()
	data := filepath.Join(dir, "data")
	// --no-sync: initdb's own flush to disk is set-up, not measured; the
	// server below runs with fsync on.
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Stdout, initdb.Stderr = logf, logf
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := initdb.Run(); err != nil {
		return nil, fmt.Errorf("cyclebench: postgres: initdb (see %s): %w", logf.Name(), err)
	}
	addr, err := benchrun.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := strings.Cut(addr, ":")
	pg := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", port, "-k", dir,
		"-c", "listen_addresses=")
	pg.Stdout, pg.Stderr = logf, logf
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	c := &pgCluster{bin: bin, sock: dir, port: port}
	if c.proc, err = benchrun.Start(pg); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ready := exec.Command(filepath.Join(bin, "pg_isready"), "-q", "-h", dir, "-p", port, "-U", "postgres")
		if ready.Run() == nil {
			return c, nil
		}
		if c.proc.Exited() || time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("cyclebench: postgres: not ready (see %s)", logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// letOthersThrough lets the postgres user reach dir, which lies under
// the work directory work that MkdirTemp made private to root: others
// may pass through (not list) the directories from dir up to work.
// Above work nothing is changed: a directory there that others cannot
// pass through is an error to fix by choosing another TMPDIR.
func letOthersThrough(dir, work string) error {
	inside := true
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("cyclebench: postgres: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if !inside {
				return fmt.Errorf("cyclebench: postgres: the postgres user cannot pass through %s (set TMPDIR elsewhere)", d)
			}
			if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("cyclebench: postgres: %w", err)
			}
		}
		if d == work {
			inside = false
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// pid is the postmaster's: the root of the cluster's process tree.
func (c *pgCluster) pid() int { return c.proc.Pid() }

// url is a libpq connection string to database db over the socket.
func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("host=%s port=%s user=postgres dbname=%s sslmode=disable", c.sock, c.port, db)
}

// stop asks for a fast shutdown (SIGINT: sessions are ended rather than
// waited for), then Stop's SIGTERM and, after its grace, SIGKILL.
func (c *pgCluster) stop() {
	if c == nil || c.proc == nil || c.proc.Exited() {
		return
	}
	c.proc.Cmd.Process.Signal(syscall.SIGINT)
	c.proc.Stop()
}

// exec runs one statement with psql, for set-up.
func (c *pgCluster) exec(db, sql string) error {
	cmd := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.url(db), "-c", sql)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cyclebench: psql %q: %w: %s", sql, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// psqlSession is one psql process kept open for the queries of a whole
// run: one backend rather than a new one forked for each poll, which
// the cluster's CPU would count.
type psqlSession struct {
	proc *benchrun.Proc
	mu   sync.Mutex
	in   io.WriteCloser
	r    *os.File // read end of psql's output
	out  *bufio.Reader
}

// endMark follows every query's rows, so that the reader knows where
// they end; psql echoes it when the query is done, failed or not.
const endMark = "--cyclebench-end--"

func (c *pgCluster) session(db string) (*psqlSession, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cyclebench: psql: %w", err)
	}
	// Errors share the pipe with the rows, so that they arrive in order,
	// before the end mark of the query they belong to.
	cmd := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-A", "-t", "-q", "-d", c.url(db))
	cmd.Stdout, cmd.Stderr = w, w
	in, err := cmd.StdinPipe()
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("cyclebench: psql: %w", err)
	}
	p, err := benchrun.Start(cmd)
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	s := &psqlSession{proc: p, in: in, r: r, out: bufio.NewReader(r)}
	if _, err := s.query("SELECT 1"); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// query runs sql and returns its rows, columns separated by |.
func (s *psqlSession) query(sql string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := fmt.Fprintf(s.in, "%s;\n\\echo %s\n", strings.TrimSuffix(sql, ";"), endMark); err != nil {
		return nil, fmt.Errorf("cyclebench: psql %q: %w", sql, err)
	}
	var rows []string
	var failed []string
	for {
		line, err := s.out.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("cyclebench: psql %q: %w", sql, err)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == endMark {
			break
		}
		if strings.HasPrefix(line, "ERROR:") || strings.HasPrefix(line, "psql:") || failed != nil {
			failed = append(failed, line)
			continue
		}
		rows = append(rows, line)
	}
	if failed != nil {
		return nil, fmt.Errorf("cyclebench: psql %q: %s", sql, strings.Join(failed, " "))
	}
	return rows, nil
}

// count runs a query of one number.
func (s *psqlSession) count(sql string) (int64, error) {
	rows, err := s.query(sql)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("cyclebench: psql %q: %d rows, want 1", sql, len(rows))
	}
	n, err := strconv.ParseInt(strings.TrimSpace(rows[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cyclebench: psql %q: %w", sql, err)
	}
	return n, nil
}

// close ends psql by closing its input, as a user's end of file would.
func (s *psqlSession) close() {
	if s == nil {
		return
	}
	s.in.Close()
	s.proc.Stop()
	s.r.Close()
}
