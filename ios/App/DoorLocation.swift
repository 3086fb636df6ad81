// Location fixes while a door screen is open (CoreLocation, when-in-use
// permission; reduced accuracy when the volunteer chose "approximate").
// Every fix goes to the core's door view model (`.location`); saves carry
// the latest fix and never wait for one. Nothing runs once the door closes.
import CoreLocation

final class DoorLocation: NSObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private let onFix: (Double, Double, Double) -> Void

    init(onFix: @escaping (_ lat: Double, _ lon: Double, _ accuracyM: Double) -> Void) {
        self.onFix = onFix
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyNearestTenMeters
        manager.distanceFilter = 5
    }

    func start() {
        switch manager.authorizationStatus {
        case .notDetermined: manager.requestWhenInUseAuthorization()
        case .authorizedWhenInUse, .authorizedAlways: manager.startUpdatingLocation()
        default: break // refused: results are saved without a location
        }
    }

    func stop() { manager.stopUpdatingLocation() }

    func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        if manager.authorizationStatus == .authorizedWhenInUse || manager.authorizationStatus == .authorizedAlways {
            manager.startUpdatingLocation()
        }
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let fix = locations.last, fix.horizontalAccuracy >= 0 else { return }
        onFix(fix.coordinate.latitude, fix.coordinate.longitude, fix.horizontalAccuracy)
    }

    func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {}
}
