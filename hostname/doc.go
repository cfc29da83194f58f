// Package hostname computes the container's workload FQDN and makes every
// program in the container see it.
package hostname
