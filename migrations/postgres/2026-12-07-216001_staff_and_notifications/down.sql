DROP TABLE notifications;
DROP TABLE staff;
