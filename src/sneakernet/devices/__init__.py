"""Cards by the hundred: find drives, refuse unsafe ones, write, verify, probe, wipe.

Public interface:
- discovery.list_devices() -> [BlockDevice]
- safety.check_targets(paths, needed=..., force_non_removable=...) -> [Target]
- blockio.open_device(path, write=...) -> OpenDevice (O_DIRECT | O_EXCL)
- runner.run_workers(devices, work, jobs=..., tick=...) -> [DeviceState]
- writer.ImageSource, writer.write_image, writer.verify_image, writer.wipe
- probe.quick_probe, probe.full_probe -> ProbeResult
"""
