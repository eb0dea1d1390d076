# dracut-module/: the dracut module, its dracut.conf.d snippet and the
# systemd unit for the pass on the real root.
# SPDX-License-Identifier: GPL-2.0-or-later

DRACUT_MODULE_FILES := module-setup.sh early-pin-pre-udev.sh early-pin-pre-pivot.sh
DRACUT_MODULE_DEST  = $(DESTDIR)$(DRACUTMODDIR)/95early-pin

.PHONY: install-dracut-module uninstall-dracut-module
install-dracut-module:
	install -d '$(DRACUT_MODULE_DEST)' '$(DESTDIR)$(DRACUTCONFDIR)' '$(DESTDIR)$(SYSTEMDUNITDIR)'
	install -m 0755 $(addprefix dracut-module/95early-pin/,$(filter-out module-setup.sh,$(DRACUT_MODULE_FILES))) \
		'$(DRACUT_MODULE_DEST)/'
	@# dracut searches only its own PATH for early-pin: the module is told SBINDIR
	sed 's|^early_pin_sbindir=$$|early_pin_sbindir="$(SBINDIR)"|' dracut-module/95early-pin/module-setup.sh \
		>'$(DRACUT_MODULE_DEST)/module-setup.sh'
	grep -qx 'early_pin_sbindir="$(SBINDIR)"' '$(DRACUT_MODULE_DEST)/module-setup.sh' || \
		{ echo "install: no early_pin_sbindir= line in module-setup.sh"; exit 1; }
	chmod 0755 '$(DRACUT_MODULE_DEST)/module-setup.sh'
	install -m 0644 dracut-module/early-pin.conf '$(DESTDIR)$(DRACUTCONFDIR)/50-early-pin.conf'
	sed 's|/usr/sbin/early-pin|$(SBINDIR)/early-pin|g' dracut-module/early-pin.service \
		>'$(DESTDIR)$(SYSTEMDUNITDIR)/early-pin.service'
	chmod 0644 '$(DESTDIR)$(SYSTEMDUNITDIR)/early-pin.service'

uninstall-dracut-module:
	rm -f $(addprefix '$(DRACUT_MODULE_DEST)'/,$(DRACUT_MODULE_FILES))
	-rmdir '$(DRACUT_MODULE_DEST)'
	rm -f '$(DESTDIR)$(DRACUTCONFDIR)/50-early-pin.conf' '$(DESTDIR)$(SYSTEMDUNITDIR)/early-pin.service'

INSTALL_TARGETS   += install-dracut-module
UNINSTALL_TARGETS += uninstall-dracut-module
