/*M!999999\- enable the sandbox mode */ 
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: 127.0.0.1    Database: rawtune
-- ------------------------------------------------------
-- Server version	10.11.19-MariaDB-0+deb12u1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `helpdesk_messages`
--

DROP TABLE IF EXISTS `helpdesk_messages`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `helpdesk_messages` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `ticket_id` int(11) NOT NULL,
  `position` smallint(6) NOT NULL,
  `sender` enum('employee','agent','system') NOT NULL,
  `message` text NOT NULL,
  `sent_at` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_ticket` (`ticket_id`,`position`)
) ENGINE=InnoDB AUTO_INCREMENT=19 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `helpdesk_messages`
--

LOCK TABLES `helpdesk_messages` WRITE;
/*!40000 ALTER TABLE `helpdesk_messages` DISABLE KEYS */;
INSERT INTO `helpdesk_messages` VALUES
(1,7003,1,'employee','I\'m locked out after too many password attempts.','2024-03-04 09:35:34'),
(2,7005,1,'employee','Excel 文件只有几千行，但打开和保存都特别慢。','2024-03-04 09:37:22'),
(3,7006,1,'employee','公司内网 git clone GitHub 的仓库一直 timeout。','2024-03-04 09:38:03'),
(4,7005,2,'agent','常见原因是文件里有大量看不见的格式或对象，比如整列都设置了格式、复制网页时带进来的图片和形状，或者很多条件格式规则。可以按 Ctrl+End 看看最后一个单元格在哪里，如果远远超出数据范围，就把多余的行和列删掉后保存。另外，大量的 VLOOKUP、INDIRECT 之类的公式也会拖慢速度，可以把不需要更新的结果“粘贴为数值”。希望这对你有帮助！','2024-03-04 09:38:19'),
(5,7007,1,'employee','Second monitor not detected after docking the laptop.','2024-03-04 09:41:03'),
(6,7002,1,'employee','Outlook search doesn\'t find emails I know are there.','2024-03-04 09:44:44'),
(7,7003,2,'agent','The lock clears automatically after 30 minutes. If you can\'t wait, use the self-service reset at the password portal with your phone number on file; it unlocks the account as well. If you\'ve forgotten the new password already, call the helpdesk extension 4400 and we\'ll verify your identity and reset it for you.','2024-03-04 09:48:06'),
(8,7002,2,'agent','The search index is probably out of date. In Outlook go to File > Options > Search > Indexing Options, click Advanced and then Rebuild. It can take a few hours for a big mailbox, and search results will be incomplete until it\'s done. If you use cached mode, also check that \"Download email for the past\" isn\'t set to a short period, since older emails then aren\'t on your computer to index.','2024-03-04 09:50:10'),
(9,7008,1,'employee','How do I map a network drive?','2024-03-04 09:51:25'),
(10,7006,2,'agent','公司网络访问外网需要走代理。给 git 单独配置一下：git config --global http.proxy http://proxy.corp.local:8080，https 也一样设置一遍。如果只想对 GitHub 生效，可以写成 git config --global http.https://github.com.proxy http://proxy.corp.local:8080。用 SSH 克隆的话，代理要在 ~/.ssh/config 里用 ProxyCommand 配置，或者直接改用 HTTPS 地址。','2024-03-04 09:52:27'),
(11,7007,2,'agent','Undock, wait ten seconds and dock again, then press Win+P and choose \"Extend\". If it still doesn\'t show up, open Display settings and click \"Detect\". Check the cable at the monitor end and try another port on the dock. Dock firmware updates fix a lot of these problems, so if it keeps happening, open a ticket and we\'ll update the dock and its driver for you.','2024-03-04 09:55:14'),
(12,7006,3,'employee','配好了，能 clone 了。内网的 GitLab 会不会也走代理？','2024-03-04 10:05:41'),
(13,7008,2,'agent','As an AI language model, I cannot access your computer. However, I can guide you: open File Explorer, right-click \"This PC\", choose \"Map network drive\", pick a letter and enter the path, for example \\\\fileserver\\shared. I hope this helps! Feel free to ask if you have any other questions.','2024-03-04 10:06:21'),
(14,7006,4,'agent','会的，全局的 http.proxy 对所有 HTTPS 地址都生效。可以给内网地址单独关掉：git config --global http.https://gitlab.corp.local.proxy \"\"，这样访问内网 GitLab 就直连了。','2024-03-04 10:13:20'),
(15,7001,1,'employee','VPN connects but I can\'t reach the intranet sites.','2024-03-04 10:13:34'),
(16,7001,2,'agent','If the VPN says connected but internal names don\'t resolve, it\'s usually DNS. Try opening an internal site by its IP address; if that works, run `ipconfig /flushdns` (Windows) or reconnect the VPN, and check that your home router isn\'t forcing its own DNS. If the IP doesn\'t work either, your home network may use the same address range as the office (often 192.168.1.x); tell us and we\'ll move you to the split-tunnel profile.','2024-03-04 10:27:50'),
(17,7004,1,'employee','办公室打印机打出来的字有一道一道的白线。','2024-03-04 10:39:43'),
(18,7004,2,'agent','如果是激光打印机，多半是硒鼓快没粉了，或者硒鼓上有划痕。可以先把硒鼓取出来左右轻轻摇几下再装回去试试；如果好了，说明碳粉快用完，需要尽快更换。如果是喷墨打印机，先在打印机设置里运行一次“喷头清洗”，再打印一张喷嘴检查页看看。','2024-03-04 10:51:30');
/*!40000 ALTER TABLE `helpdesk_messages` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed
