package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The provisioner is also the snapshotter of its own volumes (the part external-snapshotter's controller and a CSI
// driver's sidecar play in a real cluster): a VolumeSnapshot of a claim on one of its volumes, in a
// VolumeSnapshotClass whose driver is the provisioner's name, becomes a copy of the volume's folder under
// <dir>/snapshots/<content>, a bound VolumeSnapshotContent and readyToUse; a claim whose dataSource is such a
// VolumeSnapshot is provisioned as a copy of it (provision.go).

const snapshotGroup = "snapshot.storage.k8s.io"

// madeBy marks the VolumeSnapshotContents this tool made (and so may delete with their folders).
const madeBy = "ferry.local/snapshotter"

var (
	classesGVR  = schema.GroupVersionResource{Group: snapshotGroup, Version: "v1", Resource: "volumesnapshotclasses"}
	snapsGVR    = schema.GroupVersionResource{Group: snapshotGroup, Version: "v1", Resource: "volumesnapshots"}
	contentsGVR = schema.GroupVersionResource{Group: snapshotGroup, Version: "v1", Resource: "volumesnapshotcontents"}
)

func (p *provisioner) snapshotDir() string { return filepath.Join(p.dir, "snapshots") }

// snapshotPass serves the VolumeSnapshots of this provisioner's classes, then deletes what deleted snapshots leave.
func (p *provisioner) snapshotPass(ctx context.Context) error {
	classes, err := p.dyn.Resource(classesGVR).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil // the plane does not serve the snapshot API
	}
	if err != nil {
		return err
	}
	ours := map[string]string{} // class name -> deletionPolicy
	for _, c := range classes.Items {
		if driver, _, _ := unstructured.NestedString(c.Object, "driver"); driver == p.name {
			policy, _, _ := unstructured.NestedString(c.Object, "deletionPolicy")
			ours[c.GetName()] = policy
		}
	}
	snaps, err := p.dyn.Resource(snapsGVR).Namespace("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range snaps.Items {
		s := &snaps.Items[i]
		class, _, _ := unstructured.NestedString(s.Object, "spec", "volumeSnapshotClassName")
		ready, _, _ := unstructured.NestedBool(s.Object, "status", "readyToUse")
		policy, isOurs := ours[class]
		if !isOurs || ready || s.GetDeletionTimestamp() != nil {
			continue
		}
		if err := p.snapshot(ctx, s, class, policy); err != nil {
			fmt.Fprintf(os.Stderr, "snapshot %s/%s: %v\n", s.GetNamespace(), s.GetName(), err)
			p.snapshotError(ctx, s, err)
		}
	}
	return p.deleteOrphans(ctx)
}

// snapshot copies the claim's volume folder and records the copy as the snapshot's bound, ready content.
func (p *provisioner) snapshot(ctx context.Context, s *unstructured.Unstructured, class, policy string) error {
	claimName, _, _ := unstructured.NestedString(s.Object, "spec", "source", "persistentVolumeClaimName")
	if claimName == "" {
		return fmt.Errorf("only snapshots of a claim (spec.source.persistentVolumeClaimName) are served")
	}
	claim, err := p.client.CoreV1().PersistentVolumeClaims(s.GetNamespace()).Get(ctx, claimName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if claim.Status.Phase != corev1.ClaimBound || claim.Spec.VolumeName == "" {
		return fmt.Errorf("claim %s is not bound (phase %s)", claimName, claim.Status.Phase)
	}
	volume, err := p.client.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	from, ok := p.ownFolder(volume)
	if !ok {
		return fmt.Errorf("volume %s of claim %s is not a %s volume of this node", volume.Name, claimName, p.name)
	}
	contentName := "snapcontent-" + string(s.GetUID())
	handle := filepath.Join(p.snapshotDir(), contentName)
	if _, err := p.dyn.Resource(contentsGVR).Get(ctx, contentName, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		if err := copyFolder(from, handle); err != nil {
			return err
		}
		content := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": snapshotGroup + "/v1", "kind": "VolumeSnapshotContent",
			"metadata": map[string]interface{}{"name": contentName, "annotations": map[string]interface{}{madeBy: "true"}},
			"spec": map[string]interface{}{
				"deletionPolicy": policy, "driver": p.name, "volumeSnapshotClassName": class,
				"source": map[string]interface{}{"volumeHandle": volume.Name},
				"volumeSnapshotRef": map[string]interface{}{"apiVersion": snapshotGroup + "/v1", "kind": "VolumeSnapshot",
					"namespace": s.GetNamespace(), "name": s.GetName(), "uid": string(s.GetUID())},
			},
		}}
		if _, err := p.dyn.Resource(contentsGVR).Create(ctx, content, metav1.CreateOptions{}); err != nil {
			_ = os.RemoveAll(handle)
			return err
		}
	} else if err != nil {
		return err
	}
	size := volume.Spec.Capacity[corev1.ResourceStorage]
	now := time.Now()
	content, err := p.dyn.Resource(contentsGVR).Get(ctx, contentName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	content.Object["status"] = map[string]interface{}{"snapshotHandle": handle, "readyToUse": true,
		"creationTime": now.UnixNano(), "restoreSize": size.Value()}
	if _, err := p.dyn.Resource(contentsGVR).UpdateStatus(ctx, content, metav1.UpdateOptions{}); err != nil {
		return err
	}
	s.Object["status"] = map[string]interface{}{"boundVolumeSnapshotContentName": contentName, "readyToUse": true,
		"creationTime": now.UTC().Format(time.RFC3339), "restoreSize": size.String()}
	if _, err := p.dyn.Resource(snapsGVR).Namespace(s.GetNamespace()).UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
		return err
	}
	fmt.Printf("snapshot %s/%s of claim %s at %s\n", s.GetNamespace(), s.GetName(), claimName, handle)
	return nil
}

// snapshotError records why a snapshot cannot be taken in its status, as a snapshot controller does.
func (p *provisioner) snapshotError(ctx context.Context, s *unstructured.Unstructured, cause error) {
	s.Object["status"] = map[string]interface{}{"readyToUse": false,
		"error": map[string]interface{}{"message": cause.Error(), "time": time.Now().UTC().Format(time.RFC3339)}}
	_, _ = p.dyn.Resource(snapsGVR).Namespace(s.GetNamespace()).UpdateStatus(ctx, s, metav1.UpdateOptions{})
}

// deleteOrphans deletes the contents this tool made whose snapshot is gone (policy Delete), with their folders,
// and the folders under <dir>/snapshots no content names.
func (p *provisioner) deleteOrphans(ctx context.Context) error {
	contents, err := p.dyn.Resource(contentsGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	kept := map[string]bool{}
	for i := range contents.Items {
		c := &contents.Items[i]
		kept[c.GetName()] = true
		policy, _, _ := unstructured.NestedString(c.Object, "spec", "deletionPolicy")
		if c.GetAnnotations()[madeBy] != "true" || policy != "Delete" {
			continue
		}
		ns, _, _ := unstructured.NestedString(c.Object, "spec", "volumeSnapshotRef", "namespace")
		name, _, _ := unstructured.NestedString(c.Object, "spec", "volumeSnapshotRef", "name")
		uid, _, _ := unstructured.NestedString(c.Object, "spec", "volumeSnapshotRef", "uid")
		snap, err := p.dyn.Resource(snapsGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && string(snap.GetUID()) == uid {
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if err := p.dyn.Resource(contentsGVR).Delete(ctx, c.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		delete(kept, c.GetName())
		fmt.Printf("deleted content %s of deleted snapshot %s/%s\n", c.GetName(), ns, name)
	}
	entries, err := os.ReadDir(p.snapshotDir())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !kept[e.Name()] {
			if err := os.RemoveAll(filepath.Join(p.snapshotDir(), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshotHandle is the folder a ready VolumeSnapshot of this provisioner holds its copy in ("" while not ready).
func (p *provisioner) snapshotHandle(ctx context.Context, namespace, name string) (string, error) {
	snap, err := p.dyn.Resource(snapsGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	ready, _, _ := unstructured.NestedBool(snap.Object, "status", "readyToUse")
	contentName, _, _ := unstructured.NestedString(snap.Object, "status", "boundVolumeSnapshotContentName")
	if !ready || contentName == "" {
		return "", nil
	}
	content, err := p.dyn.Resource(contentsGVR).Get(ctx, contentName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	handle, _, _ := unstructured.NestedString(content.Object, "status", "snapshotHandle")
	handle = filepath.Clean(handle)
	if !strings.HasPrefix(handle, p.snapshotDir()+string(filepath.Separator)) {
		return "", fmt.Errorf("snapshot %s/%s is not one of this node's %s snapshots (handle %q)", namespace, name, p.name, handle)
	}
	return handle, nil
}

// ownFolder is a volume's folder when this provisioner made it here.
func (p *provisioner) ownFolder(v *corev1.PersistentVolume) (string, bool) {
	if v.Annotations[provisionedBy] != p.name || v.Spec.HostPath == nil {
		return "", false
	}
	path := filepath.Clean(v.Spec.HostPath.Path)
	return path, strings.HasPrefix(path, p.dir+string(filepath.Separator))
}

// copyFolder copies a folder's tree (modes, owners, times, symlinks) to a new folder `to`, atomically by rename.
func copyFolder(from, to string) error {
	tmp := to + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", "--", from, tmp).CombinedOutput(); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("copying %s: %v: %s", from, err, strings.TrimSpace(string(out)))
	}
	return os.Rename(tmp, to)
}
