/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pathnames: the kernel's files and directories, named once (as util-linux's
 * include/pathnames.h). Every path is absolute and is opened below --root
 * through lib/path; compose with string concatenation:
 * PATH_SYS_CPU "/cpu%u/online".
 */
#ifndef QC_PATHNAMES_H
#define QC_PATHNAMES_H

/* sysfs */
#define PATH_SYS_CPU "/sys/devices/system/cpu"
#define PATH_SYS_NODE "/sys/devices/system/node"
#define PATH_SYS_WORKQUEUE "/sys/devices/virtual/workqueue"
#define PATH_SYS_CPU_CORE "/sys/devices/cpu_core" /* hybrid x86: performance cores */
#define PATH_SYS_CPU_ATOM "/sys/devices/cpu_atom" /* hybrid x86: efficiency cores */
#define PATH_SYS_EFI "/sys/firmware/efi"
#define PATH_SYS_PCI_DEVICES "/sys/bus/pci/devices"
#define PATH_DEBUGFS_IRQS "/sys/kernel/debug/irq/irqs"
#define PATH_SYS_CPUFREQ PATH_SYS_CPU "/cpufreq"
#define PATH_SYS_INTEL_PSTATE PATH_SYS_CPU "/intel_pstate"
/* unbound workqueues leave these CPUs alone by themselves (6.8+: partitions) */
#define PATH_SYS_WORKQUEUE_ISOLATED PATH_SYS_WORKQUEUE "/cpumask_isolated"

/* cgroup v2: the unified layout, or the hybrid one (v1 controllers beside it) */
#define PATH_SYS_FS_CGROUP "/sys/fs/cgroup"
#define PATH_SYS_FS_CGROUP_UNIFIED PATH_SYS_FS_CGROUP "/unified"

/* procfs */
#define PATH_PROC "/proc"
#define PATH_PROC_IRQ "/proc/irq"
#define PATH_PROC_CMDLINE "/proc/cmdline"
#define PATH_PROC_INTERRUPTS "/proc/interrupts"
#define PATH_PROC_STAT "/proc/stat"
#define PATH_PROC_CPUINFO "/proc/cpuinfo"
#define PATH_PROC_SYS_KERNEL "/proc/sys/kernel"
#define PATH_PROC_BOOT_ID PATH_PROC_SYS_KERNEL "/random/boot_id"
#define PATH_PROC_OSRELEASE PATH_PROC_SYS_KERNEL "/osrelease"
#define PATH_PROC_SELF_MOUNTINFO "/proc/self/mountinfo"
#define PATH_PROC_IRQ_DEFAULT_AFFINITY PATH_PROC_IRQ "/default_smp_affinity"

/* systemd: its private socket (never below --root: the running manager) */
#define PATH_SYSTEMD_PRIVATE "/run/systemd/private"
/* systemd is the init (what sd_booted() checks), below --root */
#define PATH_RUN_SYSTEMD_SYSTEM "/run/systemd/system"

#endif
