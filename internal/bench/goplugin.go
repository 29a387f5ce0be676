package bench

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
	"github.com/ifacegen/ifacegen/internal/bench/benchpb"
)

// pluginHandshake is the go-plugin handshake the benchmark's parent and
// plugin child agree on.
var pluginHandshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "IFACEGEN_BENCH_PLUGIN",
	MagicCookieValue: "bench",
}

// benchPlugin carries benchapi.Bench over go-plugin's gRPC protocol: the
// child serves Impl with the protoc-generated service (as grpc.go does), the
// parent gets a *grpcClient.
type benchPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl benchapi.Bench
}

func (p *benchPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	benchpb.RegisterBenchServer(s, grpcServer{impl: p.Impl})
	return nil
}

func (p *benchPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return newGRPCClient(conn), nil
}

// ServePlugin serves benchapi.Local as a go-plugin plugin on this process's
// stdout handshake; it returns when the parent kills the plugin. Call it in
// the plugin child.
func ServePlugin() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: pluginHandshake,
		Plugins:         plugin.PluginSet{"bench": &benchPlugin{Impl: benchapi.Local{}}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          hclog.NewNullLogger(),
	})
}

// pluginClient is the go-plugin client and the plugin's interface.
type pluginClient struct {
	*grpcClient
	plugin *plugin.Client
}

// StartPlugin starts cmd as a go-plugin plugin (cmd must call ServePlugin)
// and returns its client and process ID. Close kills the plugin.
func StartPlugin(cmd *exec.Cmd) (Client, int, error) {
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginHandshake,
		Plugins:          plugin.PluginSet{"bench": &benchPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
	})
	rpcClient, err := pc.Client()
	if err != nil {
		pc.Kill()
		return nil, 0, err
	}
	raw, err := rpcClient.Dispense("bench")
	if err != nil {
		pc.Kill()
		return nil, 0, err
	}
	gc, ok := raw.(*grpcClient)
	if !ok {
		pc.Kill()
		return nil, 0, fmt.Errorf("go-plugin dispensed %T, want *grpcClient", raw)
	}
	return pluginClient{gc, pc}, pc.ReattachConfig().Pid, nil
}

func (c pluginClient) Close() error {
	c.plugin.Kill()
	return nil
}
