// Command pause: the sandbox ("pause") process of the local stack's pod sandboxes. It holds the pod's
// namespaces open, reaps the zombies it inherits as PID 1, and exits on SIGINT or SIGTERM.
// Built with the standard library only, static, into the stack's sandbox image.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		// As PID 1 in the pod's PID namespace (when it is shared), orphans are re-parented here: reap them.
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
