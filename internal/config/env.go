package config

import "os"

// Environment variables that override the file, for deployments that
// template neither the file nor the command line.
const (
	EnvListen   = "SYNDICATE_LISTEN"
	EnvBaseURL  = "SYNDICATE_BASE_URL"
	EnvRedisURL = "SYNDICATE_REDIS_URL"
	EnvOpsToken = "SYNDICATE_OPS_TOKEN" // keeps the secret out of the file
)

func applyEnv(cfg *Config) {
	if v, ok := os.LookupEnv(EnvListen); ok && v != "" {
		cfg.Server.Listen = v
	}
	if v, ok := os.LookupEnv(EnvBaseURL); ok && v != "" {
		cfg.Site.BaseURL = v
	}
	if v, ok := os.LookupEnv(EnvOpsToken); ok && v != "" {
		cfg.Server.OpsToken = v
	}
	if v, ok := os.LookupEnv(EnvRedisURL); ok && v != "" {
		// The override names one standalone Redis and replaces any
		// Sentinel or Cluster addresses in the file.
		cfg.Store.RedisURL = v
		cfg.Store.RedisAddrs = nil
		cfg.Store.RedisMasterName = ""
	}
}
