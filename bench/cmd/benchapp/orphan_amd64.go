package main

// spawnExiting starts a child that exits at once; see orphan_amd64.s.
//
//go:noescape
func spawnExiting() (pid uintptr, errno uintptr)
