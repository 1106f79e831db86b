pub struct EventReader;
