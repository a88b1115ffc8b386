package redistest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Cluster is a 3-master Redis Cluster owned by one test.
type Cluster struct {
	Addrs   []string
	Servers []*Server
}

// StartCluster starts three cluster-enabled redis-servers on free ports
// and joins them with redis-cli --cluster create, each master owning a
// third of the slots. It waits until the cluster reports state ok.
// Under -short it skips the test.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("redistest: a Cluster is three servers and a minute's setup; skipped under -short")
	}
	Require(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		msg := "redistest: redis-cli not installed; apt-get install -y redis-tools"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	c := &Cluster{}
	for range 3 {
		s := StartServer(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
			"--cluster-config-file", "nodes.conf")
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, addr := range c.Addrs {
		for {
			host, port, _ := strings.Cut(addr, ":")
			out, _ := exec.Command("redis-cli", "-h", host, "-p", port, "cluster", "info").Output()
			if strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster not ok within 15s at %s:\n%s", addr, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return c
}
