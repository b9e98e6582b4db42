// Command ferry-node: the local stack's node helpers.
//
//	ferry-node provision --kubeconfig K --node N --dir D [--name P]
//	    a dynamic provisioner: for every pending claim of a StorageClass whose provisioner is P, a hostPath
//	    PersistentVolume under D pinned to node N, pre-bound to the claim; released volumes it made are deleted
//	    with their folders when their reclaim policy is Delete. It is also the snapshotter of those volumes
//	    (snapshot.go): VolumeSnapshots of a class whose driver is P become folder copies, and claims whose
//	    dataSource is one of them are provisioned as copies.
//	ferry-node cri-reset --endpoint unix:///path/containerd.sock
//	    stops and removes every pod sandbox of that runtime through the CRI (so the runtime tears down each
//	    sandbox's network namespace and CNI address), for `stack.sh down`.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ferry-node provision|cri-reset [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "provision":
		err = runProvisioner(os.Args[2:])
	case "cri-reset":
		err = runCriReset(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (provision or cri-reset)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferry-node %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
