/* LD_PRELOAD shim for the libvirt oracle: no-op libvirt's three SR-IOV VF netlink helpers (src/util/virnetdev.c).
 * The fake PCI sysfs has no real PF net device, so setting a VF's MAC/VLAN through netlink cannot work; libvirt.so
 * calls these private functions through its PLT, so defining them here interposes them. libvirt types are void *. */
#include <stdbool.h>
#include <stddef.h>

int virNetDevSaveNetConfig(const char *linkdev, int vf, const char *stateDir, bool saveVlan)
{
    (void)linkdev; (void)vf; (void)stateDir; (void)saveVlan;
    return 0;
}

int virNetDevSetNetConfig(const char *linkdev, int vf, const void *adminMAC, const void *vlan,
                          const void *MAC, bool setVlan)
{
    (void)linkdev; (void)vf; (void)adminMAC; (void)vlan; (void)MAC; (void)setVlan;
    return 0;
}

int virNetDevReadNetConfig(const char *linkdev, int vf, const char *stateDir, void **adminMAC,
                           void **vlan, void **MAC)
{
    (void)linkdev; (void)vf; (void)stateDir;
    if (adminMAC) *adminMAC = NULL;
    if (vlan) *vlan = NULL;
    if (MAC) *MAC = NULL;
    return 0;
}
