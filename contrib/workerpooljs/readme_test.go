package workerpooljs_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/readmetest"
)

// TestReadme_ProgramRunsOnOneServer runs the README's program against one
// embedded server.
func TestReadme_ProgramRunsOnOneServer(t *testing.T) {
	srv := startServer(t)
	outs := readmetest.Run(t, "README.md", "NATS_URL="+srv.ClientURL(), "REPLICAS=1")
	assert.Equal(t, "completed=100 failed=0 skipped=0\n", outs[0])
}

// TestReadme_ProgramRunsOnACluster runs the README's program against an
// embedded three-node cluster with three replicas.
func TestReadme_ProgramRunsOnACluster(t *testing.T) {
	urls := startCluster(t, 3)
	outs := readmetest.Run(t, "README.md", "NATS_URL="+strings.Join(urls, ","), "REPLICAS=3")
	assert.Equal(t, "completed=100 failed=0 skipped=0\n", outs[0])
}

// startCluster starts n embedded nats-servers with JetStream, routed into
// one cluster, and returns their client URLs once JetStream has a leader.
func startCluster(t *testing.T, n int) []string {
	t.Helper()
	var servers []*server.Server
	for attempt := 1; servers == nil; attempt++ {
		require.LessOrEqual(t, attempt, 3, "the cluster's servers did not start in 3 attempts")
		servers = tryCluster(t, n)
	}
	urls := make([]string, n)
	for i, s := range servers {
		urls[i] = s.ClientURL()
	}
	eventually(t, time.Minute, "the cluster has a JetStream leader", func() bool {
		nc, err := nats.Connect(urls[0])
		if err != nil {
			return false
		}
		defer nc.Close()
		_, err = nc.Request("$JS.API.INFO", nil, time.Second)
		return err == nil && servers[0].JetStreamIsClustered()
	})
	eventually(t, time.Minute, "every server sees the meta leader", func() bool {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	return urls
}

// tryCluster starts n servers routed to each other on route ports it
// reserves by listening and closing, and returns them once every listener
// is up; or nil, with every server shut down, if one is not up within 10 s:
// another socket can take a reserved port before its server binds it.
func tryCluster(t *testing.T, n int) []*server.Server {
	t.Helper()
	ports := make([]int, n)
	routes := make([]string, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ports[i] = l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", ports[i])
	}
	servers := make([]*server.Server, n)
	for i := range n {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "jobs", Host: "127.0.0.1", Port: ports[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		})
		require.NoError(t, err)
		go s.Start()
		t.Cleanup(s.Shutdown)
		servers[i] = s
	}
	for i, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Logf("server %d did not start (its route port %d may have been taken): starting the cluster again", i+1, ports[i])
			for _, s := range servers {
				s.Shutdown()
			}
			return nil
		}
	}
	return servers
}

// TestReadme_ClusterConfigParses loads the README's server configuration
// with nats-server's own parser and checks that it says what the README
// says: a named server with JetStream, in cluster "jobs", routed to all
// three nodes.
func TestReadme_ClusterConfigParses(t *testing.T) {
	blocks, err := readmetest.Fenced("README.md", "")
	require.NoError(t, err)
	var conf string
	for _, b := range blocks {
		if strings.HasPrefix(b, "# n1.conf") {
			conf = b
		}
	}
	require.NotEmpty(t, conf, "the README has the block of n1.conf")
	path := filepath.Join(t.TempDir(), "n1.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	opts, err := server.ProcessConfigFile(path)
	require.NoError(t, err)
	assert.Equal(t, "n1", opts.ServerName)
	assert.Equal(t, 4222, opts.Port)
	assert.True(t, opts.JetStream)
	assert.Equal(t, "/var/lib/nats/n1", opts.StoreDir)
	assert.Equal(t, "jobs", opts.Cluster.Name)
	assert.Equal(t, 6222, opts.Cluster.Port)
	assert.Len(t, opts.Routes, 3)
}
