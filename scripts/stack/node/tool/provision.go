package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const provisionedBy = "pv.kubernetes.io/provisioned-by"

type provisioner struct {
	client kubernetes.Interface
	dyn    dynamic.Interface
	name   string
	node   string
	dir    string
}

// runProvisioner polls the cluster once a second: a local stack's claims are few, and polling keeps it simple.
func runProvisioner(args []string) error {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "the plane's kubeconfig")
	node := fs.String("node", "", "the node every volume is pinned to")
	dir := fs.String("dir", "", "the folder that holds the volumes")
	name := fs.String("name", "ferry.local/hostpath", "the provisioner name StorageClasses give")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kubeconfig == "" || *node == "" || *dir == "" {
		return fmt.Errorf("--kubeconfig, --node and --dir are required")
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	p := &provisioner{client: client, dyn: dyn, name: *name, node: *node, dir: root}
	fmt.Printf("provisioning %s volumes on node %s under %s\n", p.name, p.node, p.dir)
	for {
		if err := p.pass(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "pass: %v\n", err)
		}
		if err := p.snapshotPass(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "snapshot pass: %v\n", err)
		}
		time.Sleep(time.Second)
	}
}

func (p *provisioner) pass(ctx context.Context) error {
	classes, err := p.client.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ours := map[string]*storagev1.StorageClass{}
	for i := range classes.Items {
		if classes.Items[i].Provisioner == p.name {
			ours[classes.Items[i].Name] = &classes.Items[i]
		}
	}
	claims, err := p.client.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range claims.Items {
		claim := &claims.Items[i]
		if claim.Spec.StorageClassName == nil || claim.Spec.VolumeName != "" || claim.Status.Phase != corev1.ClaimPending {
			continue
		}
		class := ours[*claim.Spec.StorageClassName]
		if class == nil || claim.DeletionTimestamp != nil {
			continue
		}
		if err := p.provision(ctx, claim, class); err != nil {
			fmt.Fprintf(os.Stderr, "claim %s/%s: %v\n", claim.Namespace, claim.Name, err)
		}
	}
	return p.reclaim(ctx)
}

func (p *provisioner) provision(ctx context.Context, claim *corev1.PersistentVolumeClaim, class *storagev1.StorageClass) error {
	if class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer &&
		claim.Annotations["volume.kubernetes.io/selected-node"] == "" {
		return nil // the scheduler has not picked a node for the claim's first pod yet
	}
	name := "pvc-" + string(claim.UID)
	path := filepath.Join(p.dir, name)
	if _, err := p.client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{}); err == nil {
		return nil // made in an earlier pass; the controller binds it
	}
	if source := claim.Spec.DataSource; source != nil && source.Kind == "VolumeSnapshot" && source.APIGroup != nil && *source.APIGroup == snapshotGroup {
		handle, err := p.snapshotHandle(ctx, claim.Namespace, source.Name)
		if err != nil || handle == "" {
			return err // not ready yet: the claim waits, as with a CSI driver
		}
		if _, err := os.Stat(path); os.IsNotExist(err) {
			if err := copyFolder(handle, path); err != nil {
				return err
			}
		}
	} else if err := os.MkdirAll(path, 0o777); err != nil {
		return err
	} else if err := os.Chmod(path, 0o777); err != nil {
		// NOTE: MkdirAll applies the umask; a pod's non-root user must be able to write its volume.
		return err
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	mode := corev1.PersistentVolumeFilesystem
	volume := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{provisionedBy: p.name}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: claim.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   claim.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class.Name,
			VolumeMode:                    &mode,
			ClaimRef: &corev1.ObjectReference{APIVersion: "v1", Kind: "PersistentVolumeClaim",
				Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &hostPathType}},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{p.node}}},
			}}}},
		},
	}
	_, err := p.client.CoreV1().PersistentVolumes().Create(ctx, volume, metav1.CreateOptions{})
	if err == nil {
		fmt.Printf("provisioned %s for claim %s/%s at %s\n", name, claim.Namespace, claim.Name, path)
	}
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// reclaim deletes the released volumes this provisioner made whose policy is Delete, folder first.
func (p *provisioner) reclaim(ctx context.Context) error {
	volumes, err := p.client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range volumes.Items {
		v := &volumes.Items[i]
		if v.Annotations[provisionedBy] != p.name || v.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
			(v.Status.Phase != corev1.VolumeReleased && v.Status.Phase != corev1.VolumeFailed) || v.Spec.HostPath == nil {
			continue
		}
		path := filepath.Clean(v.Spec.HostPath.Path)
		// Only folders this provisioner made: a volume restored from another cluster's backup names that cluster's paths.
		if !strings.HasPrefix(path, p.dir+string(filepath.Separator)) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			fmt.Fprintf(os.Stderr, "volume %s: %v\n", v.Name, err)
			continue
		}
		err := p.client.CoreV1().PersistentVolumes().Delete(ctx, v.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			fmt.Fprintf(os.Stderr, "volume %s: %v\n", v.Name, err)
			continue
		}
		fmt.Printf("deleted %s and %s\n", v.Name, path)
	}
	return nil
}
