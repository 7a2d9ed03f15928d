DROP TABLE end_of_service_reports;
DROP TABLE progress_reports;
DROP TABLE warnings;
DROP TABLE appointment_history;
DROP TABLE appointments;
